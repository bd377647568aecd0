/**
 * The shapes the connect flows (./connect and the per-grant modules it delegates to) take and return. No logic
 * beyond {@link tokenFacts}, which says what a token set may show.
 */
import type { TokenSet } from '../oauth';
import type { Connection, Store } from '../store';
import type { OnSessionConsumed } from './callback';
import type { OAuthIo } from './client-config';
import type { ComponentRegistry } from './components';

/** What the connect flows need. */
export interface ConnectDeps extends OAuthIo {
  readonly store: Store;
  readonly components: ComponentRegistry;
}

/**
 * What the customer chose on the connect page (an environment, a subdomain; see ./connect-choices): checked, used
 * for one flow's URLs, and saved with the connection when it connects.
 */
export type Choices = Readonly<Record<string, string>>;

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
  /** What the customer chose on the connect page; see {@link Choices}. */
  readonly choices?: Choices;
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

/** Options of {@link ConnectFlows.startDeviceAuthorization}. */
export interface StartDeviceOptions {
  /** What the customer chose on the connect page; see {@link Choices}. */
  readonly choices?: Choices;
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
