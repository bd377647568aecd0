/**
 * Connect flows: how a connection gets its first tokens (and loses them). The HTTP server calls these; they
 * hold the protocol's safety rules: single-use sessions bound to the browser, PKCE, `iss` checked, the code
 * exchanged once and never retried, tokens saved encrypted with a `connected` event in the same write.
 */
import { KeywayError, isKeywayError } from '../errors';
import {
  buildAuthorizationUrl,
  clientCredentialsGrant,
  deviceCodeGrantRequest,
  exchangeAuthorizationCode,
  generatePkce,
  generateState,
  parseImplicitResponse,
  passwordGrant,
  processDeviceCodeResponse,
  requestDeviceAuthorization,
  revokeToken,
  validateAuthorizationCallback,
} from '../oauth';
import type { CallbackInput, TokenSet } from '../oauth';
import type { Connection, ConnectionPatch, DeviceSession, Store } from '../store';
import {
  callbackContext,
  expectedIssuer,
  settleCallback,
  singleParam,
  singleParamOrUndefined,
} from './callback';
import type { CallbackResult, CompletedAuthorization, OnSessionConsumed } from './callback';
import type { ComponentRegistry } from './components';
import { cachedClientResolver, requireConnection, resolveClient } from './client-config';
import { chosenValues, sessionChoices } from './connect-choices';
import type { OAuthIo, ResolvedClient } from './client-config';
import { refreshSchedule } from './credentials';
import { connectionEvent } from './events';
import { IssuerPromises } from './issuer-promises';

/** How long a browser has to come back from the provider. */
export const AUTH_SESSION_TTL_MS = 10 * 60 * 1000;

/** What the connect flows need. */
export interface ConnectDeps extends OAuthIo {
  readonly store: Store;
  readonly components: ComponentRegistry;
}

/** Input of {@link ConnectFlows.startAuthorization}. */
export interface StartAuthorizationInput {
  readonly connectionId: string;
  /** A hash of a cookie set on the browser that starts the flow; the callback must carry the same. */
  readonly browserBinding: string;
  /** Keyway's one callback URL, registered at the provider. */
  readonly redirectUri: string;
  readonly now?: number;
  /** Where to send the user after the callback. */
  readonly returnTo?: string;
  /**
   * What the customer chose on the connect page (an environment, a subdomain; see ./connect-choices): checked,
   * used for this flow's URLs, and saved with the connection when it connects.
   */
  readonly choices?: Readonly<Record<string, string>>;
}

/** Result of {@link ConnectFlows.startAuthorization}. */
export interface StartedAuthorization {
  /** The provider's authorize URL to redirect the browser to. Contains the state: do not log it unredacted. */
  readonly authorizationUrl: string;
  readonly expiresAt: number;
}

/** Options of {@link ConnectFlows.completeAuthorization} and {@link ConnectFlows.completeImplicit}. */
export interface CompleteOptions {
  readonly browserBinding: string | null;
  readonly now?: number;
  /** Told the consumed session, with its connection, before anything else is done with it. */
  readonly onSession?: OnSessionConsumed;
}

/** What a person needs to approve a device flow (RFC 8628 §3.3); never the device code. */
export interface StartedDeviceAuthorization {
  readonly sessionId: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  readonly expiresAt: number;
  readonly intervalMs: number;
}

/** The outcome of one device-flow poll. */
export type DevicePollOutcome =
  | { readonly status: 'pending'; readonly nextPollAt: number }
  | { readonly status: 'connected'; readonly connection: Connection };

/** What the provider granted, without the token itself: what an operator checks after an activation. */
export interface TokenFacts {
  readonly tokenType: string;
  readonly scopes: readonly string[];
  /** Absolute expiry (epoch ms), when the provider said how long the token lives. */
  readonly expiresAt: number | null;
  readonly refreshToken: boolean;
}

/** Result of {@link ConnectFlows.activate}: the connected connection and what the provider answered. */
export interface Activation {
  readonly connection: Connection;
  readonly token: TokenFacts;
}

/** The facts of a token set that may be shown to anyone: never a token or a secret. */
export function tokenFacts(tokenSet: TokenSet): TokenFacts {
  return {
    tokenType: tokenSet.tokenType,
    scopes: tokenSet.scope ?? [],
    expiresAt: tokenSet.expiresAt ?? null,
    refreshToken: tokenSet.refreshToken !== undefined,
  };
}

/**
 * What happened to the grant at the provider when a connection was disconnected: `revoked`; `no_revocation_url`
 * (the provider offers none); `failed` (it refused or was unreachable); `no_tokens` (nothing was stored, e.g. an
 * already disconnected connection). The stored tokens are deleted in every case.
 */
export type RevocationOutcome = 'revoked' | 'no_revocation_url' | 'failed' | 'no_tokens';

/** Result of {@link ConnectFlows.disconnect}. */
export interface DisconnectResult {
  readonly connection: Connection;
  /** True when the provider confirmed revocation; false when it has no revocation URL or it failed. */
  readonly revoked: boolean;
  readonly revocation: RevocationOutcome;
  /** The error code of a failed revocation (tokens are deleted locally all the same). */
  readonly revocationError?: string;
  /** True when the connection was already disconnected: nothing was written and no event emitted. */
  readonly alreadyDisconnected: boolean;
}

/**
 * The connect flows of every grant. One instance serves every connection; all state lives in the store, so
 * any replica can complete a flow another one started.
 */
export class ConnectFlows {
  readonly #deps: ConnectDeps;
  readonly #issuers = new IssuerPromises();
  /**
   * Resolving parses and validates the whole definition; a flow resolves the same row at start and at the
   * callback, so the result is kept until the connection's fields or the component change (see
   * cachedClientResolver).
   */
  readonly #resolveCached: (connection: Connection) => Promise<ResolvedClient>;

  constructor(deps: ConnectDeps) {
    this.#deps = deps;
    this.#resolveCached = cachedClientResolver(deps);
  }

  #now(given?: number): number {
    return given ?? (this.#deps.now ?? Date.now)();
  }

  /**
   * Starts an authorization code flow: a single-use session (random state, PKCE verifier, ten-minute expiry,
   * browser binding) in the store, and the provider's authorize URL.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
   * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
   */
  async startAuthorization(input: StartAuthorizationInput): Promise<StartedAuthorization> {
    const now = this.#now(input.now);
    const connection = await requireConnection(this.#deps.store, input.connectionId);
    // A legacy implicit connection starts the same way, asking for the token itself (response_type=token).
    const implicit = connection.grantType === 'implicit';
    const choices = await chosenValues(this.#deps, connection, input.choices ?? {});
    const resolved = await this.#resolve(
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
    const issRequired = issuer !== null && (await this.#issuers.sendsIss(issuer, resolved.grantOptions, now));
    await this.#deps.store.createAuthSession({
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
  async completeAuthorization(
    callbackQuery: CallbackInput,
    options: CompleteOptions,
  ): Promise<CompletedAuthorization> {
    const now = this.#now(options.now);
    const state = singleParam(callbackQuery, 'state');
    const session = await this.#deps.store.consumeAuthSession(state, {
      now,
      browserBinding: options.browserBinding,
    });
    options.onSession?.(session);
    // The connection came back with the session (one round trip on PostgreSQL); the token request goes where the
    // authorize request went, with the customer's choices.
    const choices = sessionChoices(session.extra);
    const resolved = await this.#resolve(
      session.connectionId,
      'authorization_code',
      choices,
      session.connection,
    );
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
    const connection = await this.#saveConnected(resolved, tokenSet, now, {
      context: callbackContext(callbackQuery),
      ...(Object.keys(choices).length > 0 ? { fields: { ...resolved.connection.fields, ...choices } } : {}),
    });
    return { connection, returnTo: session.returnTo };
  }

  /**
   * Completes a legacy implicit grant from the redirect's fragment (`#access_token=…&state=…`), which the
   * browser read and handed over: the session is consumed first, exactly as for a callback with a code, then
   * the token is checked against the session's state and saved. Works only for a definition that opted in.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.2.2
   */
  async completeImplicit(fragment: string, options: CompleteOptions): Promise<CompletedAuthorization> {
    const now = this.#now(options.now);
    const params = new URLSearchParams(fragment.startsWith('#') ? fragment.slice(1) : fragment);
    const session = await this.#deps.store.consumeAuthSession(singleParam(params, 'state'), {
      now,
      browserBinding: options.browserBinding,
    });
    options.onSession?.(session);
    const resolved = await this.#resolve(session.connectionId, 'implicit', {}, session.connection);
    const tokenSet = parseImplicitResponse(fragment, {
      expectedState: session.state,
      allowImplicit: resolved.config.allowImplicit,
      now: () => now,
      scopeSeparator: resolved.config.scopeSeparator,
    });
    const connection = await this.#saveConnected(resolved, tokenSet, now);
    return { connection, returnTo: session.returnTo };
  }

  /**
   * {@link completeAuthorization} with its outcome as a value: a failure names the session's connection and
   * connect link when the session belongs to this browser, so the page can lead back to the link.
   */
  settleAuthorization(callbackQuery: CallbackInput, options: CompleteOptions): Promise<CallbackResult> {
    const state = singleParamOrUndefined(callbackQuery, 'state');
    return settleCallback(this.#deps.store, state, options.browserBinding, (onSession) =>
      this.completeAuthorization(callbackQuery, { ...options, onSession }),
    );
  }

  /** {@link completeImplicit} with its outcome as a value; see {@link settleAuthorization}. */
  settleImplicit(fragment: string, options: CompleteOptions): Promise<CallbackResult> {
    const state = new URLSearchParams(fragment.startsWith('#') ? fragment.slice(1) : fragment).get('state');
    return settleCallback(this.#deps.store, state ?? undefined, options.browserBinding, (onSession) =>
      this.completeImplicit(fragment, { ...options, onSession }),
    );
  }

  /**
   * Connects a client-credentials connection: fetches a token with the client's own credentials and saves it.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
   */
  async connectWithClientCredentials(connectionId: string): Promise<Connection> {
    const resolved = await this.#resolve(connectionId, 'client_credentials');
    const tokenSet = await clientCredentialsGrant(
      resolved.server,
      resolved.client,
      { scopes: resolved.config.scopes },
      resolved.grantOptions,
    );
    return this.#saveConnected(resolved, tokenSet, this.#now());
  }

  /**
   * Connects with the resource owner password grant. Nothing is saved unless the provider accepts the
   * credentials; then the username is kept as a field and the password with the encrypted secret fields, as the
   * definition's `password` input (so the grant can be repeated when the refresh token dies).
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
   */
  async connectWithPassword(
    connectionId: string,
    credentials: { readonly username: string; readonly password: string },
  ): Promise<Connection> {
    if (credentials.username.length === 0 || credentials.password.length === 0) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: 'A username and a password are both needed',
      });
    }
    const resolved = await this.#resolve(connectionId, 'password', credentials);
    const tokenSet = await passwordGrant(
      resolved.server,
      resolved.client,
      { username: credentials.username, password: credentials.password, scopes: resolved.config.scopes },
      resolved.grantOptions,
    );
    return this.#saveConnected(resolved, tokenSet, this.#now(), {
      fields: { ...resolved.connection.fields, username: credentials.username },
      secretFields: { ...resolved.connection.secretFields, password: credentials.password },
    });
  }

  /**
   * Activates a connection whose grant needs no person, with the values it already holds: client credentials,
   * or the password grant with a username and password the platform supplied. Fetches a token now and saves it,
   * as the first use of the connection would; the provider's refusal comes back as its typed error
   * (`KW_OAUTH_INVALID_CLIENT`, `KW_OAUTH_INVALID_GRANT`, ... with `error` and `error_description`) and changes
   * nothing, a missing value as `KW_PROVIDER_FIELD_MISSING` naming the field.
   * @throws KeywayError `KW_CONNECT_GRANT_UNSUPPORTED` for grants that need a person (send a connect link).
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
   */
  async activate(connectionId: string): Promise<Activation> {
    const connection = await requireConnection(this.#deps.store, connectionId);
    if (connection.grantType !== 'client_credentials' && connection.grantType !== 'password') {
      throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
        message: `Connection "${connection.name}" uses the ${connection.grantType} grant, which needs a person to sign in; send them a connect link instead`,
        details: { connectionId, grantType: connection.grantType },
      });
    }
    const resolved = await this.#resolve(connectionId, connection.grantType, {}, connection);
    const { config } = resolved;
    const tokenSet =
      connection.grantType === 'client_credentials'
        ? await clientCredentialsGrant(
            resolved.server,
            resolved.client,
            { scopes: config.scopes },
            resolved.grantOptions,
          )
        : await passwordGrant(
            resolved.server,
            resolved.client,
            { username: config.username ?? '', password: config.password ?? '', scopes: config.scopes },
            resolved.grantOptions,
          );
    const saved = await this.#saveConnected(resolved, tokenSet, this.#now());
    return { connection: saved, token: tokenFacts(tokenSet) };
  }

  /**
   * Starts a device authorization (RFC 8628): asks the provider for a device and user code and keeps the
   * session in the store, so any replica can poll it.
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
   */
  async startDeviceAuthorization(connectionId: string): Promise<StartedDeviceAuthorization> {
    const resolved = await this.#resolve(connectionId, 'device_code');
    const now = this.#now();
    const authorization = await requestDeviceAuthorization(
      resolved.server,
      resolved.client,
      { scopes: resolved.config.scopes },
      resolved.grantOptions,
    );
    const intervalMs = authorization.interval * 1000;
    const session = await this.#deps.store.createDeviceSession({
      connectionId,
      deviceCode: authorization.deviceCode,
      userCode: authorization.userCode,
      verificationUri: authorization.verificationUri,
      verificationUriComplete: authorization.verificationUriComplete ?? null,
      intervalMs,
      nextPollAt: now + intervalMs,
      expiresAt: authorization.expiresAt,
    });
    return {
      sessionId: session.id,
      userCode: session.userCode,
      verificationUri: session.verificationUri,
      verificationUriComplete: session.verificationUriComplete,
      expiresAt: session.expiresAt,
      intervalMs: session.intervalMs,
    };
  }

  /**
   * Polls a device authorization once, if its interval has passed: `pending` with the next poll time, or
   * `connected`. `slow_down` adds five seconds to the interval; `access_denied` and `expired_token` end the
   * session (KW_OAUTH_ACCESS_DENIED, KW_OAUTH_DEVICE_EXPIRED). A session completes exactly once across replicas.
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
   * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
   */
  async pollDeviceAuthorization(
    sessionId: string,
    options: { readonly now?: number } = {},
  ): Promise<DevicePollOutcome> {
    const now = this.#now(options.now);
    const session = await this.#deps.store.getDeviceSession(sessionId);
    if (!session) {
      throw new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { message: `No device session "${sessionId}"` });
    }
    if (session.status !== 'pending') return this.#finished(session);
    if (now >= session.expiresAt) {
      await this.#completeDevice(session, 'expired', now);
      throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
    }
    if (now < session.nextPollAt) return { status: 'pending', nextPollAt: session.nextPollAt };

    const resolved = await this.#resolve(session.connectionId, 'device_code');
    const request = deviceCodeGrantRequest(
      resolved.server,
      resolved.client,
      session.deviceCode,
      resolved.grantOptions,
    );
    const transport = resolved.grantOptions.transport;
    if (!transport) throw new KeywayError('KW_CONFIG_INVALID', { message: 'No HTTP transport' });
    let result;
    try {
      const response = await transport(request, { timeoutMs: resolved.grantOptions.timeoutMs ?? 10_000 });
      result = processDeviceCodeResponse(response, {
        ...resolved.grantOptions,
        secrets: [session.deviceCode, ...resolved.client.auth.secrets()],
      });
    } catch (error) {
      if (isKeywayError(error, 'KW_OAUTH_ACCESS_DENIED')) await this.#completeDevice(session, 'denied', now);
      else if (isKeywayError(error, 'KW_OAUTH_DEVICE_EXPIRED') || isExpiredToken(error)) {
        await this.#completeDevice(session, 'expired', now);
        throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED', { cause: error });
      } else if (isKeywayError(error) && error.transient) {
        // Polling is safe to repeat: wait one interval and let the caller poll again.
        await this.#deps.store.updateDeviceSession(session.id, { nextPollAt: now + session.intervalMs });
      }
      throw error;
    }
    if (result.status === 'pending' || result.status === 'slow_down') {
      const intervalMs = session.intervalMs + (result.status === 'slow_down' ? 5000 : 0);
      const updated = await this.#deps.store.updateDeviceSession(session.id, {
        intervalMs,
        nextPollAt: now + intervalMs,
      });
      return { status: 'pending', nextPollAt: updated.nextPollAt };
    }
    const won = await this.#completeDevice(session, 'approved', now);
    if (!won) return this.#finished((await this.#deps.store.getDeviceSession(session.id)) ?? session);
    return { status: 'connected', connection: await this.#saveConnected(resolved, result.tokenSet, now) };
  }

  /**
   * Disconnects: revokes the token at the provider when a revocation URL is known (the refresh token, which
   * ends the grant, else the access token), deletes the tokens, marks the connection `disconnected` and emits a
   * `disconnected` event. A failed revocation does not keep the tokens: the customer asked for them to be gone.
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
   */
  async disconnect(connectionId: string): Promise<DisconnectResult> {
    const now = this.#now();
    const connection = await requireConnection(this.#deps.store, connectionId);
    if (connection.status === 'disconnected' && connection.tokenSet === null) {
      return { connection, revoked: false, revocation: 'no_tokens', alreadyDisconnected: true };
    }
    const { revocation, revocationError } = await this.#revoke(connection);
    const patch = {
      tokenSet: null,
      context: null,
      expiresAt: null,
      refreshAt: null,
      scopes: [],
      status: 'disconnected',
      lastError: null,
      refreshFailures: 0,
      cooldownUntil: null,
    } as const;
    const events = [connectionEvent('connection.disconnected', connection, { now, status: 'disconnected' })];
    const store = this.#deps.store;
    // Conditional on the row read above, so two disconnects racing emit one `disconnected` event.
    const written = await store.compareAndSetConnectionTokens(connection.id, connection.version, patch, {
      events,
    });
    let updated: Connection;
    if (written.ok) updated = written.connection;
    else if (written.current.status === 'disconnected' && written.current.tokenSet === null) {
      return {
        connection: written.current,
        revoked: false,
        revocation: 'no_tokens',
        alreadyDisconnected: true,
      };
    } else {
      // Changed meanwhile (a refresh saved new tokens): the customer still asked for them to be gone.
      updated = await store.updateConnection(connection.id, patch, { events });
    }
    return {
      connection: updated,
      revoked: revocation === 'revoked',
      revocation,
      ...(revocationError ? { revocationError } : {}),
      alreadyDisconnected: false,
    };
  }

  /** Revokes the stored grant at the provider when it has a revocation URL; never throws. */
  async #revoke(
    connection: Connection,
  ): Promise<{ revocation: RevocationOutcome; revocationError?: string }> {
    const tokenSet = connection.tokenSet;
    if (!tokenSet || connection.grantType === 'none') return { revocation: 'no_tokens' };
    try {
      const resolved = await this.#resolveCached(connection);
      if (!resolved.config.revokeUrl) return { revocation: 'no_revocation_url' };
      const refreshToken = typeof tokenSet.refreshToken === 'string' ? tokenSet.refreshToken : undefined;
      const accessToken = typeof tokenSet.accessToken === 'string' ? tokenSet.accessToken : undefined;
      const token = refreshToken ?? accessToken;
      if (!token) return { revocation: 'no_tokens' };
      await revokeToken(
        resolved.server,
        resolved.client,
        { token, tokenTypeHint: refreshToken ? 'refresh_token' : 'access_token' },
        resolved.grantOptions,
      );
      return { revocation: 'revoked' };
    } catch (error) {
      return {
        revocation: 'failed',
        revocationError: isKeywayError(error) ? error.code : 'KW_OAUTH_NETWORK',
      };
    }
  }

  async #resolve(
    connectionId: string,
    grant: 'authorization_code' | 'implicit' | 'client_credentials' | 'password' | 'device_code',
    extraValues: Readonly<Record<string, string>> = {},
    alreadyRead?: Connection,
  ): Promise<ResolvedClient> {
    const connection = alreadyRead ?? (await requireConnection(this.#deps.store, connectionId));
    if (connection.grantType !== grant) {
      throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
        message: `Connection "${connection.name}" uses the ${connection.grantType} grant, not ${grant}`,
        details: { connectionId, grantType: connection.grantType },
      });
    }
    // Values given for this one call (a password) are never cached.
    return Object.keys(extraValues).length === 0
      ? this.#resolveCached(connection)
      : resolveClient(this.#deps, connection, extraValues);
  }

  async #saveConnected(
    resolved: ResolvedClient,
    tokenSet: TokenSet,
    now: number,
    extra: ConnectionPatch = {},
  ): Promise<Connection> {
    // The same schedule the credential manager uses, so the background refresher picks the connection up.
    const { expiresAt, refreshAt } = refreshSchedule(tokenSet, {
      grantType: resolved.connection.grantType,
      ...(resolved.config.refreshMarginSeconds !== undefined
        ? { marginMs: resolved.config.refreshMarginSeconds * 1000 }
        : {}),
    });
    const stored = JSON.parse(JSON.stringify(tokenSet)) as Record<string, unknown>;
    return this.#deps.store.updateConnection(
      resolved.connection.id,
      {
        ...extra,
        tokenSet: stored,
        expiresAt,
        refreshAt,
        scopes: tokenSet.scope ?? resolved.config.scopes,
        status: 'connected',
        lastError: null,
        refreshFailures: 0,
        cooldownUntil: null,
        connectedAt: now,
      },
      {
        events: [connectionEvent('connection.connected', resolved.connection, { now, status: 'connected' })],
      },
    );
  }

  async #completeDevice(
    session: DeviceSession,
    status: 'approved' | 'denied' | 'expired',
    now: number,
  ): Promise<boolean> {
    try {
      await this.#deps.store.completeDeviceSession(session.id, { status, now });
      return true;
    } catch (error) {
      if (isKeywayError(error, 'KW_DEVICE_SESSION_COMPLETED')) return false;
      throw error;
    }
  }

  async #finished(session: DeviceSession): Promise<DevicePollOutcome> {
    if (session.status === 'approved') {
      return {
        status: 'connected',
        connection: await requireConnection(this.#deps.store, session.connectionId),
      };
    }
    if (session.status === 'denied') throw new KeywayError('KW_OAUTH_ACCESS_DENIED');
    throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
  }
}

function isExpiredToken(error: unknown): boolean {
  return isKeywayError(error) && error.provider?.error === 'expired_token';
}
