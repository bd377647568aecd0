/** The SQLite engine's prepared-statement cache, on a real database file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { cachingStatements } from '../../src/store/sqlite';

const dataDir = mkdtempSync(join(tmpdir(), 'keyway-statements-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function openCounting(name: string): { database: BetterSqlite3.Database; prepared: string[] } {
  const database = new BetterSqlite3(join(dataDir, name));
  const prepared: string[] = [];
  const prepare = database.prepare.bind(database);
  database.prepare = (sqlText: string) => {
    prepared.push(sqlText);
    return prepare(sqlText);
  };
  return { database, prepared };
}

describe('SQLite statement cache', () => {
  it('prepares identical SQL once and keeps answering with current data', () => {
    const { database, prepared } = openCounting('reuse.sqlite');
    const cached = cachingStatements(database);
    cached.prepare('create table t (id integer primary key, v text)').run([]);
    const insert = 'insert into t (v) values (?)';
    const select = 'select v from t order by id';
    cached.prepare(insert).run(['a']);
    expect(cached.prepare(select).all([])).toEqual([{ v: 'a' }]);
    cached.prepare(insert).run(['b']);
    expect(cached.prepare(select).all([])).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(prepared.filter((sqlText) => sqlText === insert)).toHaveLength(1);
    expect(prepared.filter((sqlText) => sqlText === select)).toHaveLength(1);
    cached.close();
    expect(database.open).toBe(false);
  });

  it('drops the least recently used statement beyond its capacity', () => {
    const { database, prepared } = openCounting('evict.sqlite');
    const cached = cachingStatements(database, 2);
    const one = 'select 1 as n';
    const two = 'select 2 as n';
    const three = 'select 3 as n';
    cached.prepare(one);
    cached.prepare(two);
    cached.prepare(one); // `two` is now the least recently used
    cached.prepare(three); // evicts `two`
    cached.prepare(one);
    cached.prepare(two);
    expect(prepared).toEqual([one, two, three, two]);
    expect(cached.prepare(two).all([])).toEqual([{ n: 2 }]);
    cached.close();
  });
});
