/**
 * Auth sessions: the short-lived, single-use record of one authorization-code flow, keyed by its `state`
 * and consumed atomically by the callback.
 */
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { toConnection } from './connections';
import type { Connections } from './connections';
import { parameters } from './context';
import type { Db, StoreContext } from './context';
import {
  epoch,
  intColumn,
  intOrNullColumn,
  json,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  num,
  parseInput,
  parseRow,
  stringArray,
  stringArrayColumn,
  translateWriteError,
} from './rows';
import type { AuthSessionsTable, ConnectionsTable } from './schema';
import type { Param } from './templates';
import type {
  AuthSession,
  ConsumeAuthSessionOptions,
  ConsumedAuthSession,
  Connection,
  EpochMs,
  NewAuthSession,
} from './types';

const newAuthSessionSchema = z.object({
  state: z.string().min(8),
  connectionId: nonEmpty,
  codeVerifier: nonEmpty.nullable().optional(),
  browserBinding: nonEmpty.nullable().optional(),
  redirectUri: nonEmpty,
  returnTo: nonEmpty.nullable().optional(),
  nonce: nonEmpty.nullable().optional(),
  scopes: stringArray.optional(),
  extra: jsonObject.optional(),
  expiresAt: epoch,
});
/** An auth_sessions row; the code verifier stays ciphertext here. */
const authSessionRow = z.object({
  state: z.string(),
  connection_id: z.string(),
  code_verifier: z.string().nullable(),
  browser_binding: z.string().nullable(),
  redirect_uri: z.string(),
  return_to: z.string().nullable(),
  nonce: z.string().nullable(),
  scopes: stringArrayColumn,
  extra: jsonObjectColumn,
  created_at: intColumn,
  expires_at: intColumn,
  consumed_at: intOrNullColumn,
});

/** The UPDATE that consumes a session, for a callback with or without a browser binding. */
function consumeQuery(binding: string | null) {
  return (db: Db, param: Param) =>
    db
      .updateTable('auth_sessions')
      .set({ consumed_at: param<number>('now') })
      .where('state', '=', param<string>('state'))
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', param<number>('now'))
      .where((w) =>
        w.or([
          w('browser_binding', 'is', null),
          ...(binding === null ? [] : [w('browser_binding', '=', param<string>('binding'))]),
        ]),
      )
      .returningAll();
}
type ConsumeQuery = ReturnType<typeof consumeQuery>;

/** The auth_sessions table. */
export class AuthSessions {
  readonly #ctx: StoreContext;
  readonly #connections: Connections;

  constructor(ctx: StoreContext, connections: Connections) {
    this.#ctx = ctx;
    this.#connections = connections;
  }

  async create(input: NewAuthSession): Promise<AuthSession> {
    const data = parseInput(newAuthSessionSchema, input, 'auth session');
    const values: Selectable<AuthSessionsTable> = {
      state: data.state,
      connection_id: data.connectionId,
      code_verifier:
        data.codeVerifier == null
          ? null
          : this.#ctx.cells.encrypt('auth_sessions', data.state, 'code_verifier', data.codeVerifier),
      browser_binding: data.browserBinding ?? null,
      redirect_uri: data.redirectUri,
      return_to: data.returnTo ?? null,
      nonce: data.nonce ?? null,
      scopes: json(data.scopes ?? []),
      extra: json(data.extra ?? {}),
      created_at: this.#ctx.now(),
      expires_at: data.expiresAt,
      consumed_at: null,
    };
    // Built once (see QueryTemplates): every connect flow starts here.
    const [row] = await this.#ctx.templates
      .run(
        'auth-session-insert',
        (db, param) => db.insertInto('auth_sessions').values(parameters(values, param)).returningAll(),
        values,
      )
      .catch((err: unknown) => translateWriteError(err, 'An auth session with this state'));
    if (!row)
      throw new KeywayError('KW_STORE_UNAVAILABLE', { message: 'The auth session insert returned no row' });
    return this.#toAuthSession(row);
  }

  async get(state: string): Promise<AuthSession | undefined> {
    const row = await this.#ctx.db
      .selectFrom('auth_sessions')
      .selectAll()
      .where('state', '=', state)
      .executeTakeFirst();
    return row && this.#toAuthSession(row);
  }

  async consume(state: string, options: ConsumeAuthSessionOptions): Promise<ConsumedAuthSession> {
    const now = parseInput(epoch, options.now, 'now');
    const binding = options.browserBinding ?? null;
    // All conditions in one UPDATE: whichever process gets there first consumes it, nobody else can. Built
    // once per binding case (see QueryTemplates): every callback runs it.
    const shape = binding === null ? 'auth-session-consume:unbound' : 'auth-session-consume:bound';
    const consume = consumeQuery(binding);
    const values = { now, state, binding };
    const consumed =
      this.#ctx.engine === 'postgres'
        ? await this.#consumeWithConnection(shape, consume, values)
        : await this.#consumeThenRead(shape, consume, values);
    if (consumed) return consumed;
    throw await this.#whyNotConsumed(state, now);
  }

  /**
   * PostgreSQL, one round trip: the UPDATE as a data-modifying CTE, and the connection read beside it. Each
   * row comes back whole as one jsonb value, so the two tables' columns of the same name cannot clash.
   */
  async #consumeWithConnection(
    shape: string,
    consume: ConsumeQuery,
    values: Readonly<Record<string, unknown>>,
  ): Promise<ConsumedAuthSession | undefined> {
    const compiled = this.#ctx.templates.bind(
      `${shape}+connection`,
      (db, param) => {
        const statement = sql<{
          session: Selectable<AuthSessionsTable>;
          connection: Selectable<ConnectionsTable> | null;
        }>`with consumed as (${consume(db, param)}) select to_jsonb(consumed) as session, to_jsonb(c) as connection from consumed left join connections c on c.id = consumed.connection_id`;
        return { compile: () => statement.compile(db) };
      },
      values,
    );
    const [found] = (await this.#ctx.db.executeQuery(compiled)).rows;
    if (!found) return undefined;
    const connection: Connection | undefined =
      found.connection === null ? undefined : toConnection(this.#ctx.cells, found.connection);
    return { ...this.#toAuthSession(found.session), connection };
  }

  async #consumeThenRead(
    shape: string,
    consume: ConsumeQuery,
    values: Readonly<Record<string, unknown>>,
  ): Promise<ConsumedAuthSession | undefined> {
    const [row] = await this.#ctx.templates.run(shape, consume, values);
    if (!row) return undefined;
    return { ...this.#toAuthSession(row), connection: await this.#connections.get(row.connection_id) };
  }

  /** Nothing matched: why, for the caller and the person behind it. */
  async #whyNotConsumed(state: string, now: EpochMs): Promise<KeywayError> {
    const existing = await this.#ctx.db
      .selectFrom('auth_sessions')
      .select(['consumed_at', 'expires_at', 'browser_binding'])
      .where('state', '=', state)
      .executeTakeFirst();
    if (!existing) return new KeywayError('KW_AUTH_SESSION_NOT_FOUND');
    if (existing.consumed_at !== null) return new KeywayError('KW_AUTH_SESSION_CONSUMED');
    if (num(existing.expires_at, 'auth session expires_at') <= now) {
      return new KeywayError('KW_AUTH_SESSION_EXPIRED');
    }
    return new KeywayError('KW_AUTH_SESSION_BROWSER_MISMATCH');
  }

  async deleteExpired(before: EpochMs): Promise<number> {
    const result = await this.#ctx.db
      .deleteFrom('auth_sessions')
      .where('expires_at', '<', parseInput(epoch, before, 'before'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  #toAuthSession(row: Selectable<AuthSessionsTable>): AuthSession {
    const r = parseRow(authSessionRow, row, 'auth session');
    return {
      state: r.state,
      connectionId: r.connection_id,
      codeVerifier:
        r.code_verifier === null
          ? null
          : this.#ctx.cells.decrypt('auth_sessions', r.state, 'code_verifier', r.code_verifier),
      browserBinding: r.browser_binding,
      redirectUri: r.redirect_uri,
      returnTo: r.return_to,
      nonce: r.nonce,
      scopes: r.scopes,
      extra: r.extra,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      consumedAt: r.consumed_at,
    };
  }
}
