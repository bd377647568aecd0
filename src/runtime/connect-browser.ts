/**
 * The flows a person completes in a browser at the provider: the authorization code grant (with PKCE) and the
 * legacy implicit grant. The start keeps a single-use session bound to the browser; the completion consumes it
 * first, so a replayed, forged or other-browser answer changes nothing.
 */
import {
  buildAuthorizationUrl,
  exchangeAuthorizationCode,
  generatePkce,
  generateState,
  parseImplicitResponse,
  validateAuthorizationCallback,
} from '../oauth';
import type { CallbackInput } from '../oauth';
import type { ConsumedAuthSession } from '../store';
import { callbackContext, expectedIssuer, singleParam, singleParamOrUndefined } from './callback';
import type { CompletedAuthorization } from './callback';
import { requireConnection } from './client-config';
import type { ResolvedClient } from './client-config';
import { chosenValues, sessionChoices } from './connect-choices';
import { choicesPatch } from './connect-kit';
import type { FlowKit } from './connect-kit';
import type { CompleteOptions, StartAuthorizationInput, StartedAuthorization } from './connect-types';
import type { IssuerPromises } from './issuer-promises';

/** How long a browser has to come back from the provider. */
export const AUTH_SESSION_TTL_MS = 10 * 60 * 1000;

/**
 * Starts an authorization code flow (or a legacy implicit one): a single-use session (random state, PKCE
 * verifier, ten-minute expiry, browser binding, the customer's checked choices) in the store, and the provider's
 * authorize URL.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
export async function startAuthorization(
  kit: FlowKit,
  issuers: IssuerPromises,
  input: StartAuthorizationInput,
): Promise<StartedAuthorization> {
  const now = kit.now(input.now);
  const connection = await requireConnection(kit.deps.store, input.connectionId);
  // A legacy implicit connection starts the same way, asking for the token itself (response_type=token).
  const implicit = connection.grantType === 'implicit';
  const choices = await chosenValues(kit.deps, connection, input.choices ?? {});
  const resolved = await kit.resolve(
    input.connectionId,
    implicit ? 'implicit' : 'authorization_code',
    choices,
    connection,
  );
  const { config } = resolved;
  const state = generateState();
  const pkce = implicit || config.pkce === false ? undefined : generatePkce(config.pkce);
  // Providers that take scopes under another parameter name (Slack's user_scope) get them as an extra.
  const scopeExtra =
    config.scopeParam === 'scope' || config.scopes.length === 0
      ? {}
      : { [config.scopeParam]: config.scopes.join(config.scopeSeparator) };
  const authorizationUrl = buildAuthorizationUrl(
    resolved.server,
    config.clientId,
    {
      redirectUri: input.redirectUri,
      scopes: config.scopeParam === 'scope' ? config.scopes : [],
      state,
      ...(pkce ? { pkce: { challenge: pkce.challenge, method: pkce.method } } : {}),
      ...(implicit ? { responseType: 'token' as const } : {}),
      extraParams: scopeExtra,
    },
    resolved.grantOptions,
  );
  const expiresAt = now + AUTH_SESSION_TTL_MS;
  const issuer =
    typeof config.fields.issuer === 'string' && config.fields.issuer ? config.fields.issuer : null;
  const issRequired = issuer !== null && (await issuers.sendsIss(issuer, resolved.grantOptions, now));
  await kit.deps.store.createAuthSession({
    state,
    connectionId: resolved.connection.id,
    codeVerifier: pkce?.verifier ?? null,
    browserBinding: input.browserBinding,
    redirectUri: input.redirectUri,
    returnTo: input.returnTo ?? null,
    scopes: config.scopes,
    extra: {
      authorizationEndpoint: config.authorizeUrl ?? null,
      issuer,
      issRequired,
      ...(Object.keys(choices).length > 0 ? { choices } : {}),
    },
    expiresAt,
  });
  return { authorizationUrl, expiresAt };
}

/**
 * Completes an authorization code flow from the callback's query. The session is consumed first, atomically:
 * a replayed, forged, expired or other-browser callback fails with the store's typed error
 * (KW_AUTH_SESSION_*) and changes nothing. A provider error (`access_denied` → KW_OAUTH_ACCESS_DENIED, others →
 * KW_OAUTH_CALLBACK_ERROR) and a wrong `iss` (RFC 9207) leave the connection unchanged. The code is exchanged
 * once, never retried; the token set is saved and the connection marked `connected` with a `connected` event.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2.4
 */
export async function completeAuthorization(
  kit: FlowKit,
  callbackQuery: CallbackInput,
  options: CompleteOptions,
): Promise<CompletedAuthorization> {
  const now = kit.now(options.now);
  const state = singleParam(callbackQuery, 'state');
  const { session, choices, resolved } = await consumeSession(kit, state, 'authorization_code', options, now);
  const callback = validateAuthorizationCallback(callbackQuery, {
    expectedState: session.state,
    expectedIssuer: expectedIssuer(session.extra, singleParamOrUndefined(callbackQuery, 'iss')),
    issRequired: session.extra.issRequired === true,
  });
  const tokenSet = await exchangeAuthorizationCode(
    resolved.server,
    resolved.client,
    {
      code: callback.code,
      redirectUri: session.redirectUri,
      ...(session.codeVerifier ? { codeVerifier: session.codeVerifier } : {}),
    },
    resolved.grantOptions,
  );
  // The callback's other parameters are the connection's context; a reconnect replaces the old one.
  const connection = await kit.saveConnected(resolved, tokenSet, now, {
    context: callbackContext(callbackQuery),
    ...choicesPatch(resolved, choices),
  });
  return { connection, returnTo: session.returnTo };
}

/**
 * Completes a legacy implicit grant from the redirect's fragment (`#access_token=…&state=…`), which the
 * browser read and handed over: the session is consumed first, exactly as for a callback with a code, then
 * the token is checked against the session's state and saved, with the customer's choices (an environment) as
 * the code flow saves them. Works only for a definition that opted in.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
 */
export async function completeImplicit(
  kit: FlowKit,
  fragment: string,
  options: CompleteOptions,
): Promise<CompletedAuthorization> {
  const now = kit.now(options.now);
  const params = new URLSearchParams(fragment.startsWith('#') ? fragment.slice(1) : fragment);
  const state = singleParam(params, 'state');
  const { session, choices, resolved } = await consumeSession(kit, state, 'implicit', options, now);
  const tokenSet = parseImplicitResponse(fragment, {
    expectedState: session.state,
    allowImplicit: resolved.config.allowImplicit,
    now: () => now,
    scopeSeparator: resolved.config.scopeSeparator,
  });
  const connection = await kit.saveConnected(resolved, tokenSet, now, choicesPatch(resolved, choices));
  return { connection, returnTo: session.returnTo };
}

/** A consumed browser session, the choices the customer made at the flow's start, and the resolved connection. */
interface ConsumedFlow {
  readonly session: ConsumedAuthSession;
  readonly choices: Record<string, string>;
  readonly resolved: ResolvedClient;
}

/**
 * The first step of completing a browser flow: consumes the session named by `state` (atomically, so a replayed,
 * forged, expired or other-browser answer fails typed and changes nothing), tells `onSession`, and resolves the
 * session's connection for `grant` with the customer's choices.
 */
async function consumeSession(
  kit: FlowKit,
  state: string,
  grant: 'authorization_code' | 'implicit',
  options: CompleteOptions,
  now: number,
): Promise<ConsumedFlow> {
  const session = await kit.deps.store.consumeAuthSession(state, {
    now,
    browserBinding: options.browserBinding,
  });
  options.onSession?.(session);
  // The connection came back with the session (one round trip on PostgreSQL). The choices were made for this
  // flow at its start: the token request goes where the authorize request went, with them.
  const choices = sessionChoices(session.extra);
  const resolved = await kit.resolve(session.connectionId, grant, choices, session.connection);
  return { session, choices, resolved };
}
