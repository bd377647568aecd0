/**
 * Types shared by the runtime's parts: the spectral wire format of a built component as the runtime sees it,
 * the contract with the credential manager, and the shapes of an action run.
 */
import type { WireConnection, WireInput } from '../providers';
import type { Connection } from '../store';

/** One input and one connection in spectral's wire format: the types of the one schema, src/providers/wire.ts. */
export type { WireConnection, WireInput };

/** The function a built component exposes for an action or data source: `perform(context, params)`. */
export type WirePerform = (...args: unknown[]) => Promise<unknown>;

/** An action in spectral's wire format (what `component({...})` produced). */
export interface WireAction {
  readonly key: string;
  readonly display: { readonly label: string; readonly description: string };
  readonly inputs: readonly WireInput[];
  readonly perform: WirePerform;
  readonly [extra: string]: unknown;
}

/** A trigger or data source: indexed and listed; this part of the runtime does not run them. */
export interface WireTriggerOrDataSource {
  readonly key: string;
  readonly display: { readonly label: string; readonly description: string };
  readonly inputs: readonly WireInput[];
  readonly perform: WirePerform;
  readonly [extra: string]: unknown;
}

/** A loaded, validated and indexed component bundle. */
export interface LoadedComponent {
  readonly key: string;
  readonly display: {
    readonly label: string;
    readonly description: string;
    readonly [extra: string]: unknown;
  };
  /** SHA-256 (hex) of the bundle's bytes: identifies exactly which code runs. */
  readonly bundleHash: string;
  readonly actions: ReadonlyMap<string, WireAction>;
  readonly triggers: ReadonlyMap<string, WireTriggerOrDataSource>;
  readonly dataSources: ReadonlyMap<string, WireTriggerOrDataSource>;
  readonly connections: ReadonlyMap<string, WireConnection>;
  /** A JSON-safe description of the component (no functions), fit for the store and the API. */
  readonly manifest: ComponentManifest;
}

/** The JSON-safe manifest of a component: what it offers, without code. */
export interface ComponentManifest {
  readonly key: string;
  readonly display: { readonly label: string; readonly description: string };
  readonly actions: readonly ManifestEntry[];
  readonly triggers: readonly ManifestEntry[];
  readonly dataSources: readonly ManifestEntry[];
  readonly connections: readonly ManifestConnection[];
}

/** An action, trigger or data source in a {@link ComponentManifest}. */
export interface ManifestEntry {
  readonly key: string;
  readonly label: string;
  readonly description: string;
  readonly inputs: readonly ManifestInput[];
}

/** A connection definition in a {@link ComponentManifest}. */
export interface ManifestConnection {
  readonly key: string;
  readonly label: string;
  readonly oauth2Type?: string;
  readonly oauth2PkceMethod?: string;
  readonly inputs: readonly ManifestInput[];
}

/** An input in a {@link ComponentManifest}. Defaults of password inputs are never copied. */
export interface ManifestInput {
  readonly key: string;
  readonly label: string;
  readonly type: string;
  readonly required: boolean;
  readonly shown: boolean;
  readonly collection?: string;
  readonly default?: unknown;
}

/** Options for {@link CredentialSource.getToken}. */
export interface GetTokenOptions {
  /** Refresh even when the stored token looks fresh (the provider answered 401). */
  readonly forceRefresh?: boolean;
  /**
   * The access token the provider just rejected. With `forceRefresh`, the credential manager refreshes only if
   * the stored token is still this one: another caller may already have refreshed it.
   */
  readonly rejectedAccessToken?: string;
}

/** A usable access token for one connection. */
export interface AccessToken {
  /** The provider's raw token response, as spectral's `connection.token`. */
  readonly raw: Record<string, unknown>;
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresAt?: number;
  /**
   * The token a component sees (`raw` and `expires_at`, see ./connection-value), when worked out once with the
   * token (the credential manager's are); a source without it has it worked out for each connection value.
   */
  readonly platform?: Readonly<Record<string, unknown>>;
}

/**
 * Where `runAction` gets valid tokens. The runtime's `CredentialManager` (credentials.ts) implements it with
 * refresh-before-expiry, single-flight and cross-process locking; tests may pass a simpler source.
 */
export interface CredentialSource {
  /**
   * A valid token for the connection. `connection` is its row as the caller has just read it from the store
   * (`runAction` reads it to bind the connection), so an unforced lookup that can serve the stored token
   * needs no second read; it must be the row for `connectionId` read during this call. A source may ignore
   * it; with `forceRefresh` it is ignored (after a 401 only the current row will do), and a refresh re-reads
   * the row under its lock anyway.
   */
  getToken(connectionId: string, options?: GetTokenOptions, connection?: Connection): Promise<AccessToken>;
}

/** The spectral connection value handed to an action (`params.connection`). */
export interface ConnectionValue {
  /** The connection definition key, unchanged: components branch on it. */
  readonly key: string;
  /** The instance's name for this connection (Prismatic's config variable key). */
  readonly configVarKey: string;
  readonly fields: Record<string, unknown>;
  readonly token?: Record<string, unknown>;
  readonly context?: Record<string, unknown>;
}

/** One line an action logged, after redaction. */
export interface ActionLogEntry {
  readonly level: 'metric' | 'trace' | 'debug' | 'info' | 'log' | 'warn' | 'error';
  readonly message: string;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** The four state scopes spectral gives an action. */
export type StateScope = 'instanceState' | 'crossFlowState' | 'executionState' | 'integrationState';

/** Every {@link StateScope}, in a fixed order. */
export const stateScopes: readonly StateScope[] = [
  'instanceState',
  'crossFlowState',
  'executionState',
  'integrationState',
];

/** The state objects of one run, by scope. */
export type StateSnapshot = Record<StateScope, Record<string, unknown>>;
