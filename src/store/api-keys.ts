/** API keys: shown once at creation, stored as a SHA-256 hash, found by a public prefix. */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { StoreContext } from './context';
import {
  intColumn,
  intOrNullColumn,
  json,
  nonEmpty,
  notFound,
  parseInput,
  parseRow,
  stringArray,
  stringArrayColumn,
} from './rows';
import type { ApiKeysTable } from './schema';
import type { ApiKey, CreatedApiKey, NewApiKey } from './types';

const newApiKeySchema = z.object({ name: nonEmpty, scopes: stringArray });
const apiKeyRow = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: stringArrayColumn,
    created_at: intColumn,
    last_used_at: intOrNullColumn,
    revoked_at: intOrNullColumn,
  })
  .transform((row): ApiKey => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));

/** Reads a row; shared with ./admin. */
export function toApiKey(row: Selectable<ApiKeysTable>): ApiKey {
  return parseRow(apiKeyRow, row, `API key ${row.id}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The api_keys table. */
export class ApiKeys {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const data = parseInput(newApiKeySchema, input, 'API key');
    const prefix = randomBytes(6).toString('hex');
    const key = `kw_${prefix}_${randomBytes(24).toString('base64url')}`;
    const row = await this.#ctx.db
      .insertInto('api_keys')
      .values({
        id: randomUUID(),
        name: data.name,
        prefix,
        hash: sha256(key),
        scopes: json(data.scopes),
        created_at: this.#ctx.now(),
        last_used_at: null,
        revoked_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { apiKey: toApiKey(row), key };
  }

  async verify(key: string): Promise<ApiKey | undefined> {
    const match = /^kw_([0-9a-f]{12})_[A-Za-z0-9_-]{16,}$/.exec(key);
    if (!match?.[1]) return undefined;
    const row = await this.#ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .where('prefix', '=', match[1])
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    const presented = Buffer.from(sha256(key), 'hex');
    const stored = Buffer.from(row.hash, 'hex');
    if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) return undefined;
    const now = this.#ctx.now();
    await this.#ctx.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
    return toApiKey({ ...row, last_used_at: now });
  }

  async list(): Promise<ApiKey[]> {
    const rows = await this.#ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toApiKey);
  }

  async revoke(id: string): Promise<void> {
    const result = await this.#ctx.db
      .updateTable('api_keys')
      .set({ revoked_at: this.#ctx.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0 && !(await this.#exists(id))) throw notFound('API key', id);
  }

  async #exists(id: string): Promise<boolean> {
    const row = await this.#ctx.db
      .selectFrom('api_keys')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }
}
