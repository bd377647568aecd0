/**
 * The one answer to a provider's 401, shared by every run of component code (actions, data sources, trigger
 * `perform`s and lifecycle hooks): force a refresh of the run's OAuth tokens, call once more, and call a second
 * 401 what it is — KW_ACTION_UNAUTHORIZED — rather than a generic failure.
 */
import { KeywayError } from '../errors';
import type { ActionLogger } from './context';
import { connectionValue } from './connection-value';
import { isUnauthorized } from './run-errors';
import type { BoundConnection } from './run-plan';
import type { CredentialSource } from './types';

/**
 * Calls `attempt(false)`. When it throws a provider 401 (see `isUnauthorized`) and the run has connections with a
 * token, refreshes each of those tokens (forced, naming the rejected one so a token another run already replaced
 * is not refreshed twice), updates `bound` in place (`token`, `value`, and the old token in `retired`), and calls `attempt(true)` once: the
 * attempt reads its connection values from `bound` again and starts from fresh state. A second 401 is
 * KW_ACTION_UNAUTHORIZED; anything else thrown, by either attempt or by the refresh, is rethrown as it is.
 */
export async function retryOnUnauthorized<T>(
  credentials: CredentialSource,
  bound: readonly BoundConnection[],
  logger: Pick<ActionLogger, 'warn'>,
  attempt: (retrying: boolean) => T | Promise<T>,
): Promise<T> {
  try {
    return await attempt(false);
  } catch (first) {
    const rejected = bound.filter((item) => item.token !== undefined);
    if (!isUnauthorized(first) || rejected.length === 0) throw first;
    logger.warn('The provider answered 401; refreshing the token and retrying once');
    for (const item of rejected) {
      // Still a secret of this run: the first attempt was given it.
      if (item.token !== undefined) (item.retired ??= []).push(item.token);
      item.token = await credentials.getToken(item.connection.id, {
        forceRefresh: true,
        rejectedAccessToken: item.token?.accessToken ?? '',
      });
      item.value = connectionValue(item, item.token);
    }
    try {
      return await attempt(true);
    } catch (second) {
      if (!isUnauthorized(second)) throw second;
      throw new KeywayError('KW_ACTION_UNAUTHORIZED', {
        message: `The provider rejected the access token of ${rejected.map((r) => `"${r.connection.name}"`).join(', ')} again after a refresh (HTTP 401)`,
        details: { connections: rejected.map((r) => r.connection.id), status: 401 },
        provider: { status: 401 },
      });
    }
  }
}
