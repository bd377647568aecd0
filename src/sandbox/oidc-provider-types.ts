/**
 * The small part of oidc-provider 9's API the sandbox uses. The package ships no type declarations and
 * is ESM-only (loaded with `await import('oidc-provider')`), so these interfaces describe what we call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Koa context oidc-provider passes to `provider.use` middleware. */
export interface KoaContext {
  readonly method: string;
  readonly path: string;
  readonly oidc?: { readonly params?: Readonly<Record<string, unknown>> } | undefined;
}

/** The authenticated client, as a grant handler sees it (`ctx.oidc.client`). */
export interface OidcClient {
  readonly clientId: string;
  /** The client's allowed scopes, space-separated. */
  readonly scope?: string;
  grantTypeAllowed(type: string): boolean;
}

/** The context a grant handler registered with `registerGrantType` receives at the token endpoint. */
export interface TokenEndpointContext {
  readonly oidc: {
    readonly params: Readonly<Record<string, unknown>>;
    readonly client: OidcClient;
  };
  body: unknown;
}

/** A token about to be issued (`new provider.AccessToken(...)`, `new provider.RefreshToken(...)`). */
export interface IssuableToken {
  readonly expiration: number;
  readonly tokenType?: string;
  readonly scope?: string;
  save(): Promise<string>;
}

/** What a new access or refresh token is made from. */
export interface IssuableTokenInit {
  readonly accountId: string;
  readonly client: OidcClient;
  readonly grantId: string;
  readonly gty: string;
  readonly scope: string;
  readonly authTime?: number;
  readonly rotations?: number;
}

/** An oidc-provider error: thrown from a grant handler, it becomes the token endpoint's JSON error. */
export interface OidcProviderError extends Error {
  error_description?: string;
}

/** The error classes of the module's named export `errors` that the sandbox throws. */
export interface OidcProviderErrors {
  readonly InvalidGrant: new (detail?: string) => OidcProviderError;
  readonly InvalidRequest: new (description?: string) => OidcProviderError;
  readonly InvalidScope: new (description: string, scope: string) => OidcProviderError;
}

/** A stored token, as the models return it. */
export interface StoredToken {
  readonly accountId?: string;
  readonly clientId?: string;
  readonly grantId?: string;
  readonly scope?: string;
  readonly isExpired: boolean;
}

/** A token model's static side. */
export interface TokenModel {
  find(value: string): Promise<StoredToken | undefined>;
  revokeByGrantId?(grantId: string): Promise<void>;
}

/** A grant instance. */
export interface GrantInstance {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: readonly string[]): void;
  addResourceScope(indicator: string, scope: string): void;
  save(): Promise<string>;
  destroy(): Promise<void>;
}

/** A device code instance, as stored. */
export interface DeviceCodeInstance {
  clientId: string;
  params: Readonly<Record<string, unknown>>;
  accountId?: string;
  grantId?: string;
  scope?: string;
  authTime?: number;
  error?: string;
  errorDescription?: string;
  readonly isExpired: boolean;
  save(): Promise<string>;
}

/** What `interactionDetails` resolves to. */
export interface InteractionDetails {
  readonly uid: string;
  readonly prompt: {
    readonly name: string;
    readonly details: {
      readonly missingOIDCScope?: readonly string[];
      readonly missingOIDCClaims?: readonly string[];
      readonly missingResourceScopes?: Readonly<Record<string, readonly string[]>>;
    };
  };
  readonly params: Readonly<Record<string, unknown>>;
  readonly session?: { readonly accountId?: string } | undefined;
  readonly grantId?: string | undefined;
}

/** The provider instance. */
export interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
  on(event: string, listener: (...args: unknown[]) => void): void;
  /**
   * Adds a grant type to the token endpoint; `params` are the body parameters the handler may read.
   * @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#registergranttype
   */
  registerGrantType(
    name: string,
    handler: (ctx: TokenEndpointContext) => Promise<void>,
    params?: readonly string[],
  ): void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  readonly Grant: {
    new (init: { accountId: string; clientId: string }): GrantInstance;
    find(id: string): Promise<GrantInstance | undefined>;
  };
  readonly AccessToken: TokenModel & (new (init: IssuableTokenInit) => IssuableToken);
  readonly ClientCredentials: TokenModel;
  readonly RefreshToken: TokenModel & (new (init: IssuableTokenInit) => IssuableToken);
  readonly AuthorizationCode: TokenModel;
  readonly DeviceCode: TokenModel & {
    findByUserCode(
      userCode: string,
      options?: { ignoreExpiration?: boolean },
    ): Promise<DeviceCodeInstance | undefined>;
  };
}

/** The module's default export. */
export type OidcProviderConstructor = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => OidcProvider;
