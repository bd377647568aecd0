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
  readonly AccessToken: TokenModel;
  readonly ClientCredentials: TokenModel;
  readonly RefreshToken: TokenModel;
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
