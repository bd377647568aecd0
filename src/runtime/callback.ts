/**
 * The OAuth callback's parameters (its state, `iss`, the extras kept as the connection's context) and its outcome
 * as a value: a page must still know which connect link a failed callback leads back to.
 */
import { KeywayError, isKeywayError } from '../errors';
import { callbackSearchParams } from '../oauth';
import type { CallbackInput } from '../oauth';
import type { AuthSession, Connection, ConsumedAuthSession, Store } from '../store';

/** What a flow's completion returns. */
export interface CompletedAuthorization {
  readonly connection: Connection;
  readonly returnTo: string | null;
}

/** A callback's outcome. A failure names the session's connection and link when the session is this browser's. */
export type CallbackResult =
  | { readonly ok: true; readonly connection: Connection; readonly returnTo: string | null }
  | {
      readonly ok: false;
      readonly error: KeywayError;
      readonly connectionId?: string;
      readonly instanceId?: string;
      readonly returnTo?: string;
    };

/** Told the session (and its connection) as soon as a completion has consumed it. */
export type OnSessionConsumed = (session: ConsumedAuthSession) => void;

/**
 * Runs `complete` (which consumes the session named by `state` and reports it to the hook it is given) and
 * reports its outcome as a value. The consumed session already holds its connection, so a completed callback
 * reads nothing more; only when consuming failed (expired, used, forged, another browser's) is the session read,
 * to find the link. It is trusted for that only when it belongs to this browser, so a forged callback learns
 * nothing about the link.
 */
export async function settleCallback(
  store: Store,
  state: string | undefined,
  browserBinding: string | null,
  complete: (onSession: OnSessionConsumed) => Promise<CompletedAuthorization>,
): Promise<CallbackResult> {
  let consumed: ConsumedAuthSession | undefined;
  try {
    const done = await complete((session) => (consumed = session));
    return { ok: true, connection: done.connection, returnTo: done.returnTo };
  } catch (error) {
    if (!isKeywayError(error)) throw error;
    const session: AuthSession | undefined =
      consumed ?? (state ? await store.getAuthSession(state) : undefined);
    if (!session || session.browserBinding === null || session.browserBinding !== browserBinding) {
      return { ok: false, error };
    }
    const connection = consumed ? consumed.connection : await store.getConnection(session.connectionId);
    return {
      ok: false,
      error,
      connectionId: session.connectionId,
      ...(connection ? { instanceId: connection.instanceId } : {}),
      ...(session.returnTo ? { returnTo: session.returnTo } : {}),
    };
  }
}

/** Callback parameters that are the protocol's own, never context. */
const CALLBACK_PROTOCOL_PARAMS: ReadonlySet<string> = new Set([
  'code',
  'state',
  'iss',
  'error',
  'error_description',
  'error_uri',
]);

/**
 * Every parameter of the authorization callback except the protocol's own (code, state, iss and the error
 * fields): what providers send for the component (Intuit's `realmId`, Zoho's `accounts-server`, Shopify's
 * `shop`), spectral's `connection.context`. A repeated parameter keeps all its values, as a list.
 */
export function callbackContext(input: CallbackInput): Record<string, string | string[]> {
  const params = callbackSearchParams(input);
  const context: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    if (CALLBACK_PROTOCOL_PARAMS.has(name)) continue;
    const values = params.getAll(name);
    context[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return context;
}

/** The one value of `name`, or undefined when it is absent, empty or repeated. */
export function singleParamOrUndefined(input: CallbackInput, name: string): string | undefined {
  const values = callbackSearchParams(input).getAll(name);
  return values.length === 1 && values[0] ? values[0] : undefined;
}

/** The one value of `name`; a missing or repeated parameter is KW_OAUTH_CALLBACK_INVALID. */
export function singleParam(input: CallbackInput, name: string): string {
  const values = callbackSearchParams(input).getAll(name);
  if (values.length !== 1 || !values[0]) {
    throw new KeywayError('KW_OAUTH_CALLBACK_INVALID', {
      message:
        values.length > 1
          ? `The authorization callback repeats the "${name}" parameter; refusing an ambiguous response.`
          : `The authorization callback has no ${name} parameter.`,
    });
  }
  return values[0];
}

/**
 * The issuer the callback's `iss` must equal (RFC 9207). A connection with an `issuer` field names it exactly;
 * otherwise the issuer identifier is taken to be a prefix (same origin, path boundary) of the authorization
 * endpoint the user was sent to, so an `iss` from any other server is refused.
 */
export function expectedIssuer(extra: Record<string, unknown>, sent: string | undefined): string | undefined {
  if (typeof extra.issuer === 'string') return extra.issuer;
  const endpoint = typeof extra.authorizationEndpoint === 'string' ? extra.authorizationEndpoint : undefined;
  if (!endpoint || sent === undefined) return undefined;
  try {
    const issuer = new URL(sent);
    const authorize = new URL(endpoint);
    const base = issuer.pathname.endsWith('/') ? issuer.pathname : `${issuer.pathname}/`;
    if (issuer.origin === authorize.origin && (authorize.pathname + '/').startsWith(base)) return sent;
    return authorize.origin;
  } catch {
    return endpoint;
  }
}
