/**
 * Text that one of Keyway's databases cannot store. PostgreSQL refuses a NUL character (U+0000) in any `text`
 * or `jsonb` value (error 22021 or 22P05) where SQLite stores it, so the same input would succeed on one engine
 * and fail with a 500 on the other. Every text from outside (HTTP requests, CLI arguments, spec files) is
 * checked with {@link findUnstorableText} at the edge and refused with a 4xx before it reaches either store.
 */

/** Objects nested deeper than this are refused (a real request or spec is never this deep). */
export const MAX_NESTING = 64;

/** Where a value holds text that cannot be stored, and why (never the text itself: it may be a secret). */
export interface UnstorableText {
  /** Keys and indexes from the root to the offending value (`['inputs', 'name']`). */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const NUL = '\u0000';

/**
 * The first string or object key in `value` that contains a NUL character (or the first object nested more
 * than {@link MAX_NESTING} deep), or `undefined` when every text in it can be stored on both engines.
 */
export function findUnstorableText(value: unknown): UnstorableText | undefined {
  return walk(value, [], 0);
}

function walk(value: unknown, path: (string | number)[], depth: number): UnstorableText | undefined {
  if (typeof value === 'string') {
    return value.includes(NUL)
      ? { path, message: 'contains a NUL character (\\u0000), which Keyway cannot store' }
      : undefined;
  }
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return undefined;
  if (depth >= MAX_NESTING) return { path, message: `is nested more than ${MAX_NESTING} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = walk(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key.includes(NUL)) {
      return {
        path: [...path, key.replaceAll(NUL, '\\u0000')],
        message: 'has a name with a NUL character (\\u0000), which Keyway cannot store',
      };
    }
    const found = walk(item, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}
