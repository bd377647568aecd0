/** What every aggregate module of the store shares: the engine handle, hot-query templates, the cipher, time. */
import type { Kysely } from 'kysely';
import type { CellCipher } from './cells';
import type { EngineHandle } from './engine';
import type { Database } from './schema';
import type { Param, QueryTemplates } from './templates';
import type { StoreEngine } from './types';

export type Db = Kysely<Database>;

/** One open store's shared parts, handed to each aggregate module. */
export interface StoreContext {
  readonly handle: EngineHandle;
  readonly engine: StoreEngine;
  readonly db: Db;
  readonly templates: QueryTemplates<Database>;
  readonly cells: CellCipher;
  readonly now: () => number;
}

/** `values` with each value replaced by the named parameter of its key, for a template (see QueryTemplates). */
export function parameters<T extends object>(values: T, param: Param): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(values)) out[key] = param(key);
  return out as T;
}
