/**
 * The sandbox's public shapes: its one account, its scopes, its options and switches, and what a running sandbox
 * offers.
 */
import type { AuthorizationServer, OAuthClient } from '../oauth';

/** The one account every sandbox authorization is made for. */
export const SANDBOX_ACCOUNT = {
  sub: 'sandbox-user',
  name: 'Sandbox User',
  email: 'user@sandbox.test',
} as const;

/**
 * The sandbox account's username and password for the resource owner password grant (RFC 6749 §4.3), which
 * only the `password` client may use. A documented demo value: the sandbox serves nothing real.
 */
export const SANDBOX_LOGIN = { username: SANDBOX_ACCOUNT.sub, password: 'sandbox-password' } as const;

/** Scopes the sandbox knows. `api:read`/`api:write` guard the demo API. */
export const SANDBOX_SCOPES = [
  'openid',
  'offline_access',
  'profile',
  'email',
  'api:read',
  'api:write',
] as const;

/** Options for {@link startSandbox}. */
export interface SandboxOptions {
  /** Access token lifetime in seconds (default 300). */
  readonly accessTokenTtlS?: number;
  /** Refresh token lifetime in seconds (default 86400). */
  readonly refreshTokenTtlS?: number;
  /** Device code lifetime in seconds (default 600). */
  readonly deviceCodeTtlS?: number;
  /** Extra redirect URIs every authorization-code client accepts, besides `${url}/cb`. */
  readonly redirectUris?: readonly string[];
  /** Port on 127.0.0.1 (default 0: an ephemeral port). `keyway sandbox` and `keyway start` use a fixed one. */
  readonly port?: number;
  /**
   * Show a login/consent page with Approve and Deny buttons instead of consenting automatically, so a person
   * sees what is asked (`keyway sandbox`, `keyway start`). Tests keep the automatic mode.
   */
  readonly interactive?: boolean;
  /**
   * Serve `GET|POST /__sandbox/behaviour` and `POST /__sandbox/revoke-all`, so the switches can be flipped from
   * another terminal while the sandbox runs. Only for a sandbox on a developer's machine.
   */
  readonly adminEndpoints?: boolean;
  /** The sandbox account's password for the password grant (default {@link SANDBOX_LOGIN}'s). */
  readonly password?: string;
  /** Initial switches (default: all off). */
  readonly behaviour?: Partial<SandboxBehaviour>;
}

/** Switches that make the sandbox misbehave on purpose. */
export interface SandboxBehaviour {
  /** The automatic consent answers `access_denied` instead of granting. */
  denyConsent: boolean;
  /** Every token endpoint answer is held back this long after the request was handled. */
  tokenDelayMs: number;
}

/** A registered client: what a Keyway client needs to talk to the sandbox as it. */
export interface SandboxClient extends OAuthClient {
  readonly clientSecret?: string;
  readonly redirectUri: string;
}

/** The clients every sandbox registers. */
export interface SandboxClients {
  /** Confidential, `client_secret_basic`, id and secret with characters that need form-encoding. */
  readonly basic: SandboxClient;
  /** Confidential, `client_secret_post`; also allowed client credentials. */
  readonly post: SandboxClient;
  /** Public, `none`, PKCE required. */
  readonly public: SandboxClient;
  /** Client credentials only, `client_secret_basic`. */
  readonly service: SandboxClient;
  /** Device flow, public. */
  readonly device: SandboxClient;
  /**
   * Resource owner password grant (and refresh), `client_secret_basic`; the only client allowed the grant.
   * Sign in as {@link SANDBOX_LOGIN}.
   */
  readonly password: SandboxClient;
}

/** A running sandbox authorization server. */
export interface Sandbox {
  readonly issuer: string;
  /** Same as `issuer`: the base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Endpoints, as discovery would report them. */
  readonly server: AuthorizationServer & { readonly issuer: string };
  readonly clients: SandboxClients;
  /** The demo API: `GET` with `Authorization: Bearer <access token>` answers who the token is for. */
  readonly apiUrl: string;
  /** Mutable switches; see {@link SandboxBehaviour}. */
  readonly behaviour: SandboxBehaviour;
  /** Token endpoint requests received per `grant_type` since start or the last {@link resetCounts}. */
  tokenRequests(): Readonly<Record<string, number>>;
  resetCounts(): void;
  /** Approves a pending device authorization as the sandbox user, as if they confirmed on /device. */
  approveDevice(userCode: string): Promise<void>;
  /** Denies a pending device authorization (the poll then fails with `access_denied`). */
  denyDevice(userCode: string): Promise<void>;
  /** Revokes every grant and client-credentials token issued so far. */
  revokeAll(): Promise<void>;
  close(): Promise<void>;
}
