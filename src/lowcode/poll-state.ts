/**
 * The state of a low-code polling trigger, as pure functions: which items of a poll are new (dedupe by id against
 * a bounded list of the ids delivered last) and the cursor the next poll sends. The state is the plain JSON object
 * spectral's `context.polling` keeps between polls: `{ cursor?, seen: string[] }`.
 */
import { selectPath } from './json-path';
import type { PathStep } from './json-path';

/** What a low-code polling trigger keeps between polls. */
export interface PollState {
  /** What `{{state.cursor}}` renders to; absent before the first cursor is known. */
  readonly cursor?: string | number;
  /** Keys of the items delivered last (oldest first), at most `remember` of them. */
  readonly seen: readonly string[];
}

/** How one trigger reads ids and cursors, with its paths parsed. */
export interface PollSpec {
  readonly id: readonly PathStep[];
  readonly cursor?: { readonly from: 'items' | 'response'; readonly path: readonly PathStep[] };
  readonly remember: number;
}

function isCursor(value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}

/** Numbers compare as numbers; anything else as text, which orders ISO 8601 times of one format correctly. */
function isAfter(value: string | number, than: string | number): boolean {
  return typeof value === 'number' && typeof than === 'number' ? value > than : String(value) > String(than);
}

/** The state stored by an earlier poll, or an empty one (first poll, or a state this trigger did not write). */
export function readPollState(raw: Readonly<Record<string, unknown>>): PollState {
  const seen = Array.isArray(raw['seen'])
    ? raw['seen'].filter((key): key is string => typeof key === 'string')
    : [];
  const cursor = raw['cursor'];
  return isCursor(cursor) ? { cursor, seen } : { seen };
}

/**
 * The new items of a poll and the state to store. An item is new unless its key was delivered recently: the key
 * is its id, plus its cursor value when the cursor comes from the items (so an issue updated again is delivered
 * again, and the same update listed twice, as an inclusive `since` does, once). An item without an id cannot be
 * told apart and is delivered. The cursor never moves back.
 */
export function nextPoll(
  state: PollState,
  body: unknown,
  items: readonly unknown[],
  spec: PollSpec,
): { items: unknown[]; state: PollState } {
  const seen = new Set(state.seen);
  const fresh: unknown[] = [];
  const added: string[] = [];
  let cursor = state.cursor;
  const fromItems = spec.cursor?.from === 'items' ? spec.cursor.path : undefined;
  for (const item of items) {
    const version = fromItems ? selectPath(item, fromItems) : undefined;
    if (isCursor(version) && (cursor === undefined || isAfter(version, cursor))) cursor = version;
    const id = selectPath(item, spec.id);
    if (id === undefined || id === null) {
      fresh.push(item);
      continue;
    }
    const idText = typeof id === 'string' ? id : JSON.stringify(id);
    const key = isCursor(version) ? `${idText}@${String(version)}` : idText;
    if (seen.has(key)) continue;
    seen.add(key);
    added.push(key);
    fresh.push(item);
  }
  if (spec.cursor?.from === 'response') {
    const next = selectPath(body, spec.cursor.path);
    if (isCursor(next)) cursor = next;
  }
  const kept = [...state.seen, ...added];
  const next = { seen: kept.slice(Math.max(0, kept.length - spec.remember)) };
  return { items: fresh, state: cursor === undefined ? next : { cursor, ...next } };
}
