/**
 * Hot queries built once. kysely rebuilds and recompiles a query's operation tree on every call; for the few
 * statements on an action call's path that cost more than running them (on SQLite several times more), so
 * they are compiled once per shape with named placeholders and later calls only bind new parameter values.
 */
import { KeywayError } from '../errors';
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

const MARK = '\u0000kw-param:';

/**
 * Stands for a parameter while a template is built: `param<string>('id')`. The value is a marker string,
 * typed as the column's type so the query builder accepts it; it never reaches the database.
 */
export type Param = <T>(name: string) => T;

const param: Param = <T>(name: string): T => `${MARK}${name}` as T;

/** Compiled queries by shape, with their parameters bound by name on each run. */
export class QueryTemplates<DB> {
  readonly #db: Kysely<DB>;
  readonly #compiled = new Map<string, CompiledQuery<unknown>>();

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /**
   * Runs the query `build` makes for `shape` (built and compiled the first time only) with `values` bound to
   * its placeholders. The same shape must always build the same query.
   */
  async run<O>(
    shape: string,
    build: (db: Kysely<DB>, param: Param) => Compilable<O>,
    values: Readonly<Record<string, unknown>>,
  ): Promise<O[]> {
    const result = await this.#db.executeQuery(this.bind(shape, build, values));
    return result.rows;
  }

  /**
   * The compiled query of `shape` with `values` bound, to run on any connection of the same database (a
   * transaction's, say): `trx.executeQuery(templates.bind(…))`.
   */
  bind<O>(
    shape: string,
    build: (db: Kysely<DB>, param: Param) => Compilable<O>,
    values: Readonly<Record<string, unknown>>,
  ): CompiledQuery<O> {
    let compiled = this.#compiled.get(shape) as CompiledQuery<O> | undefined;
    if (compiled === undefined) {
      compiled = build(this.#db, param).compile();
      // A placeholder that became SQL text instead of a parameter would be a bug in the template.
      if (compiled.sql.includes(MARK)) {
        throw new KeywayError('KW_STORE_INVALID_INPUT', {
          message: `Query template "${shape}" inlines a value`,
        });
      }
      this.#compiled.set(shape, compiled);
    }
    const parameters = compiled.parameters.map((value) => {
      if (typeof value !== 'string' || !value.startsWith(MARK)) return value;
      const name = value.slice(MARK.length);
      if (!(name in values)) {
        throw new KeywayError('KW_STORE_INVALID_INPUT', { message: `Query "${shape}" needs "${name}"` });
      }
      return values[name];
    });
    return { ...compiled, parameters };
  }
}
