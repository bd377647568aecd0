/** Published components: each version of a component bundle, immutable once written. */
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { StoreContext } from './context';
import {
  intColumn,
  json,
  jsonObject,
  jsonObjectColumn,
  nonEmpty,
  num,
  parseInput,
  parseRow,
  translateWriteError,
} from './rows';
import type { ComponentsTable } from './schema';
import type { ComponentHead, NewPublishedComponent, PublishedComponent } from './types';

const newComponentSchema = z.object({
  key: nonEmpty,
  version: z.number().int().positive(),
  bundleHash: nonEmpty,
  manifest: jsonObject,
  bundlePath: nonEmpty.nullable().optional(),
  bundle: z.instanceof(Uint8Array).nullable().optional(),
});
const componentRow = z
  .object({
    key: z.string(),
    version: intColumn,
    bundle_hash: z.string(),
    manifest: jsonObjectColumn,
    bundle_path: z.string().nullable(),
    bundle: z.instanceof(Uint8Array).nullable(),
    published_at: intColumn,
  })
  .transform((row): PublishedComponent => ({
    key: row.key,
    version: row.version,
    bundleHash: row.bundle_hash,
    manifest: row.manifest,
    bundlePath: row.bundle_path,
    bundle: row.bundle === null ? null : new Uint8Array(row.bundle),
    publishedAt: row.published_at,
  }));

function toComponent(row: Selectable<ComponentsTable>): PublishedComponent {
  return parseRow(componentRow, row, `component ${row.key}`);
}

/** The components table. */
export class Components {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  async put(input: NewPublishedComponent): Promise<PublishedComponent> {
    const data = parseInput(newComponentSchema, input, 'component');
    const row = await this.#ctx.db
      .insertInto('components')
      .values({
        key: data.key,
        version: data.version,
        bundle_hash: data.bundleHash,
        manifest: json(data.manifest),
        bundle_path: data.bundlePath ?? null,
        bundle: data.bundle ? Buffer.from(data.bundle) : null,
        published_at: this.#ctx.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, `Component "${data.key}" version ${data.version}`));
    return toComponent(row);
  }

  async get(key: string, version?: number): Promise<PublishedComponent | undefined> {
    const row = await this.#ctx.db
      .selectFrom('components')
      .selectAll()
      .where('key', '=', key)
      .$if(version !== undefined, (q) => q.where('version', '=', version ?? 0))
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toComponent(row);
  }

  async head(key: string): Promise<ComponentHead | undefined> {
    const row = await this.#ctx.db
      .selectFrom('components')
      .select(['version', 'bundle_hash'])
      .where('key', '=', key)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { version: num(row.version, `component ${key} version`), bundleHash: row.bundle_hash };
  }

  async list(): Promise<PublishedComponent[]> {
    const rows = await this.#ctx.db
      .selectFrom('components as c')
      .select(['c.key', 'c.version', 'c.bundle_hash', 'c.manifest', 'c.bundle_path', 'c.published_at'])
      .where('c.version', '=', (eb) =>
        eb
          .selectFrom('components as latest')
          .select((s) => s.fn.max('latest.version').as('v'))
          .whereRef('latest.key', '=', 'c.key'),
      )
      .orderBy('c.key')
      .execute();
    return rows.map((row) => toComponent({ ...row, bundle: null }));
  }
}
