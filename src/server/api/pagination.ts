/**
 * Cursor pagination of every list endpoint: `?limit=` (1–200, default 50) and `?cursor=` (opaque, from the
 * previous page's `nextCursor`). A cursor is the last row's sort key and id, base64url-encoded: it stays
 * valid while rows are added or removed, and a page never repeats or skips a row.
 */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import type { Page, PageRequest } from './types';

/** The largest `limit` a list endpoint accepts. */
export const MAX_PAGE_LIMIT = 200;
/** The page size when `limit` is omitted. */
export const DEFAULT_PAGE_LIMIT = 50;

const cursorSchema = z.tuple([z.number().int().nonnegative(), z.string().min(1).max(200)]);

/** The query parameters every list endpoint takes; extend it with the endpoint's filters. */
export const pageQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .describe('Items per page.'),
  cursor: z
    .string()
    .min(1)
    .max(400)
    .optional()
    .describe('The previous page’s `nextCursor`; omit for the first page.'),
});

function invalidCursor(): KeywayError {
  return new KeywayError('KW_REQUEST_INVALID', {
    message: 'Invalid request query: query.cursor: not a cursor this API returned',
    details: { issues: [{ path: 'query.cursor', message: 'not a cursor this API returned' }] },
  });
}

/** The store's page request for a parsed {@link pageQuery}; `KW_REQUEST_INVALID` for a forged cursor. */
export function pageRequest(query: {
  readonly limit: number;
  readonly cursor?: string | undefined;
}): PageRequest {
  if (query.cursor === undefined) return { limit: query.limit };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) throw invalidCursor();
  return { limit: query.limit, after: { at: parsed.data[0], id: parsed.data[1] } };
}

/** The `nextCursor` of a page: `null` on the last one. */
export function nextCursor(page: Page<unknown>): string | null {
  return page.next === null
    ? null
    : Buffer.from(JSON.stringify([page.next.at, page.next.id])).toString('base64url');
}

/** One page of a short list held in memory (components, webhook endpoints), sorted here by id. */
export function pageOfList<T>(items: readonly T[], idOf: (item: T) => string, page: PageRequest): Page<T> {
  const sorted = [...items].sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  const after = page.after?.id;
  const found = after === undefined ? 0 : sorted.findIndex((item) => idOf(item) > after);
  const start = found === -1 ? sorted.length : found;
  const slice = sorted.slice(start, start + page.limit);
  const last = slice[slice.length - 1];
  const more = start + page.limit < sorted.length;
  return { items: slice, next: more && last !== undefined ? { at: 0, id: idOf(last) } : null };
}
