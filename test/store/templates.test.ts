/**
 * Query templates against a real SQLite database: compiled once per shape, parameters bound by name on every
 * run. The store's own templates (the instance read, the execution batch insert) run in the contract suite.
 */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { isKeywayError } from '../../src/errors';
import { QueryTemplates } from '../../src/store/templates';

interface TestDb {
  items: { id: string; size: number; note: string | null };
}

let db: Kysely<TestDb>;

beforeEach(async () => {
  db = new Kysely<TestDb>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
  await sql`create table items (id text primary key, size integer not null, note text)`.execute(db);
});
afterEach(async () => {
  await db.destroy();
});

describe('QueryTemplates', () => {
  it('builds a shape once and binds new values on each run', async () => {
    const templates = new QueryTemplates(db);
    let builds = 0;
    const insert = (id: string, size: number, note: string | null): Promise<unknown> =>
      templates.run(
        'insert-item',
        (d, param) => {
          builds++;
          return d.insertInto('items').values({
            id: param<string>('id'),
            size: param<number>('size'),
            note: param<string | null>('note'),
          });
        },
        { id, size, note },
      );
    await insert('a', 1, null);
    await insert('b', 2, 'second');
    const select = (min: number): Promise<{ id: string; note: string | null }[]> =>
      templates.run(
        'items-from',
        (d, param) =>
          d
            .selectFrom('items')
            .select(['id', 'note'])
            .where('size', '>=', param<number>('min'))
            .orderBy('id'),
        { min },
      );
    expect(await select(1)).toEqual([
      { id: 'a', note: null },
      { id: 'b', note: 'second' },
    ]);
    expect(await select(2)).toEqual([{ id: 'b', note: 'second' }]);
    expect(builds).toBe(1);
  });

  it('refuses to run a template without a value for one of its parameters', async () => {
    const templates = new QueryTemplates(db);
    const failure: unknown = await templates
      .run('by-id', (d, param) => d.selectFrom('items').selectAll().where('id', '=', param<string>('id')), {})
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isKeywayError(failure, 'KW_STORE_INVALID_INPUT')).toBe(true);
  });

  it('refuses a template whose placeholder would end up in the SQL text', async () => {
    const templates = new QueryTemplates(db);
    const failure: unknown = await templates
      .run(
        'inlined',
        (d, param) =>
          d
            .selectFrom('items')
            .selectAll()
            .where('id', '=', sql.lit<string>(param<string>('id'))),
        {
          id: 'a',
        },
      )
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isKeywayError(failure, 'KW_STORE_INVALID_INPUT')).toBe(true);
  });
});
