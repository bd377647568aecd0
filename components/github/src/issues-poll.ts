/**
 * "New or updated issues": a polling trigger over GitHub's "List repository issues" endpoint.
 *
 * `GET /repos/{owner}/{repo}/issues?state=…&sort=updated&direction=asc&since=<ISO 8601>&per_page=100&page=…`
 * https://docs.github.com/en/rest/issues/issues#list-repository-issues
 * - `since` "only show results that were last updated after the given time", as `YYYY-MM-DDTHH:MM:SSZ`: GitHub
 *   compares at whole seconds and includes issues updated at that very second, so the cursor keeps the ids already
 *   delivered at its second and skips them next time (dedupe by id).
 * - `sort=updated&direction=asc` returns the oldest change first, so the cursor only moves forward and a poll that
 *   stops early (at {@link MAX_REQUESTS}) resumes where it stopped.
 * - Every pull request is also an issue; pull requests carry a `pull_request` key and are left out unless asked for.
 *
 * The first poll delivers nothing: it only places the cursor at the repository's most recent change
 * (`sort=updated&direction=desc`), so enabling the trigger does not replay a repository's history.
 */
import { input, pollingTrigger, util, type Connection } from '@prismatic-io/spectral';
import { client } from './client';

/** The fields of a GitHub issue this trigger relies on (the rest is passed through as received). */
export interface GitHubIssue {
  readonly id: number;
  readonly updated_at: string;
  readonly pull_request?: unknown;
}

/** Where the previous poll stopped: the newest `updated_at` seen, and the ids delivered at that second. */
interface Cursor {
  readonly since: string;
  readonly seenAtSince: readonly number[];
}

const PER_PAGE = 100;
/** Requests per poll at most: a larger backlog is delivered over the next polls, oldest first. */
const MAX_REQUESTS = 10;
/** The cursor of a repository with no issue yet: every issue it gets later is new. */
const EPOCH = '1970-01-01T00:00:00Z';

function issuesPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/issues`;
}

/** The saved cursor, or undefined before the first poll (or when the state is not one this trigger wrote). */
function savedCursor(state: Record<string, unknown>): Cursor | undefined {
  const { since, seenAtSince } = state;
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) return undefined;
  const seen = Array.isArray(seenAtSince) ? seenAtSince.filter((id) => typeof id === 'number') : [];
  return { since, seenAtSince: seen };
}

function isNew(cursor: Cursor, issue: GitHubIssue): boolean {
  const at = Date.parse(issue.updated_at);
  const since = Date.parse(cursor.since);
  return at > since || (at === since && !cursor.seenAtSince.includes(issue.id));
}

/** The cursor once `issue` has been seen. */
function advance(cursor: Cursor, issue: GitHubIssue): Cursor {
  const at = Date.parse(issue.updated_at);
  const since = Date.parse(cursor.since);
  if (at > since) return { since: issue.updated_at, seenAtSince: [issue.id] };
  if (at === since && !cursor.seenAtSince.includes(issue.id)) {
    return { since: cursor.since, seenAtSince: [...cursor.seenAtSince, issue.id] };
  }
  return cursor;
}

/** The first poll's cursor: the most recent change in the repository, and every issue changed at that second. */
async function initialCursor(connection: Connection, path: string, state: string): Promise<Cursor> {
  const { data } = await client(connection).get<GitHubIssue[]>(path, {
    params: { state, sort: 'updated', direction: 'desc', per_page: PER_PAGE },
  });
  const newest = data[0];
  if (newest === undefined) return { since: EPOCH, seenAtSince: [] };
  return data.reduce(advance, { since: newest.updated_at, seenAtSince: [] });
}

/** The issues changed after `cursor`, oldest change first (one entry per issue), and the cursor after them. */
async function changesAfter(
  connection: Connection,
  path: string,
  state: string,
  start: Cursor,
): Promise<{ changed: GitHubIssue[]; cursor: Cursor }> {
  const api = client(connection);
  const changed = new Map<number, GitHubIssue>();
  let cursor = start;
  let page = 1;
  for (let request = 0; request < MAX_REQUESTS; request += 1) {
    const { data } = await api.get<GitHubIssue[]>(path, {
      params: { state, sort: 'updated', direction: 'asc', since: cursor.since, per_page: PER_PAGE, page },
    });
    const before = cursor.since;
    for (const issue of data) {
      if (!isNew(cursor, issue)) continue;
      // An issue changed again while we paged shows up twice: keep its latest version, in its latest place.
      changed.delete(issue.id);
      changed.set(issue.id, issue);
      cursor = advance(cursor, issue);
    }
    if (data.length < PER_PAGE) break;
    // A full page all at one second does not move `since`: read the next page of that second instead.
    page = cursor.since === before ? page + 1 : 1;
  }
  return { changed: [...changed.values()], cursor };
}

/** The new or updated issues trigger. */
export const newOrUpdatedIssues = pollingTrigger({
  display: {
    label: 'New or updated issues',
    description: 'Polls a repository for issues opened or changed since the previous poll.',
  },
  inputs: {
    connection: input({ label: 'Connection', type: 'connection', required: true }),
    owner: input({ label: 'Owner', type: 'string', required: true, clean: util.types.toString }),
    repo: input({ label: 'Repository', type: 'string', required: true, clean: util.types.toString }),
    state: input({
      label: 'State',
      type: 'string',
      required: false,
      default: 'all',
      model: ['open', 'closed', 'all'].map((value) => ({ label: value, value })),
      clean: (value) => util.types.toString(value) || 'all',
    }),
    includePullRequests: input({
      label: 'Include pull requests',
      type: 'boolean',
      required: false,
      default: 'false',
      comments: 'GitHub lists every pull request as an issue too; they are left out unless this is on.',
      clean: (value) => util.types.toBool(value, false),
    }),
  },
  perform: async (context, payload, params) => {
    const path = issuesPath(params.owner, params.repo);
    const saved = savedCursor(context.polling.getState());
    if (saved === undefined) {
      const cursor = await initialCursor(params.connection, path, params.state);
      context.polling.setState({ since: cursor.since, seenAtSince: [...cursor.seenAtSince] });
      return { payload, polledNoChanges: true };
    }
    const { changed, cursor } = await changesAfter(params.connection, path, params.state, saved);
    context.polling.setState({ since: cursor.since, seenAtSince: [...cursor.seenAtSince] });
    const issues = params.includePullRequests
      ? changed
      : changed.filter((issue) => issue.pull_request === undefined);
    if (issues.length === 0) return { payload, polledNoChanges: true };
    return { payload: { ...payload, body: { data: issues } }, polledNoChanges: false };
  },
});
