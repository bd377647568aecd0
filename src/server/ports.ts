/**
 * What the HTTP layer needs from the rest of Keyway, as narrow interfaces injected into `buildApp`.
 *
 * The server never touches the store or the OAuth engine: it calls these, and `createRuntimeServices`
 * (./services.ts) implements them on top of the runtime. Tests can implement a port with small fakes for
 * failure injection, but the security and browser tests use the real runtime.
 */
import type { KeywayError } from '../errors';
import type { ConfigVarChoice, ConfigurableType, StructuredForm } from '../runtime';

/** Life cycle of a connection, as shown to customers. */
export type ConnectionViewStatus =
  'pending' | 'connected' | 'needs_reauthorization' | 'error' | 'disconnected';

/** A scope the connection asks for, with its plain-words description when the provider definition has one. */
export interface ScopeView {
  readonly scope: string;
  readonly description?: string;
}

/**
 * A value the customer gives on the connect page: credentials of a client-credentials or password connection,
 * or a choice (an environment as a select, a subdomain as a text field) of any connection.
 */
export interface FormFieldView {
  readonly key: string;
  readonly label: string;
  readonly type: 'string' | 'password' | 'select';
  readonly required: boolean;
  readonly comments?: string;
  /** A select's options. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** The current value, shown in the field (never for a secret). */
  readonly value?: string;
  /** The whole value must match this (HTML `pattern`; the runtime checks it again). */
  readonly pattern?: string;
  /** An example value, shown as the field's placeholder. */
  readonly example?: string;
}

/** One connection of an instance, as the connect page shows it. Never carries a token or a secret. */
export interface ConnectionView {
  readonly id: string;
  readonly instanceId: string;
  /** The instance's name for it (spectral's config variable key). */
  readonly name: string;
  /** The connection definition's label. */
  readonly label: string;
  readonly providerName: string;
  /** `authorization_code`, `client_credentials`, `password`, `device_code`, `none`, ... */
  readonly grantType: string;
  readonly status: ConnectionViewStatus;
  readonly connectedAt: number | null;
  readonly grantedScopes: readonly string[];
  readonly requestedScopes: readonly ScopeView[];
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /**
   * Fields the customer fills in on the page: credentials (client credentials, password) and choices (an
   * environment, a subdomain) the platform's app leaves to them.
   */
  readonly formFields: readonly FormFieldView[];
}

/** An instance and its connections, as the connect page shows them. */
export interface InstanceView {
  readonly id: string;
  readonly name: string;
  /** Who is asking: the integration's name (component labels or the instance name). */
  readonly integrationName: string;
  readonly connections: readonly ConnectionView[];
}

/** Where an authorization was started from, carried across the provider round trip. */
export interface FlowContext {
  /** The connect-link token the customer used, so the result page can link back and honour its settings. */
  readonly linkToken: string;
}

/** A started device authorization (RFC 8628). */
export interface DeviceFlowView {
  readonly sessionId: string;
  readonly connectionId: string;
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete: string | null;
  readonly expiresAt: number;
  readonly intervalMs: number;
  /** `failed`: the provider no longer accepts the device code; nothing was connected, start again. */
  readonly status: 'pending' | 'approved' | 'denied' | 'expired' | 'failed';
}

/** The outcome of the OAuth callback. Errors are values here: the page must still know which link to go back to. */
export type CallbackOutcome =
  | {
      readonly ok: true;
      readonly connectionId: string;
      readonly instanceId: string;
      readonly flow: FlowContext | undefined;
    }
  | {
      readonly ok: false;
      readonly error: KeywayError;
      /** Known when the state matched a session (so the failure can go back to its link). */
      readonly connectionId?: string;
      readonly instanceId?: string;
      readonly flow?: FlowContext;
    };

/** The connect flows. `now` is injected so tests control time. */
export interface ConnectPort {
  /** The instance and its connections; undefined when there is no such instance. */
  describeInstance(instanceId: string): Promise<InstanceView | undefined>;
  /**
   * Creates the single-use auth session (state, PKCE, bound to the browser) and returns the provider's
   * authorize URL.
   */
  startAuthorization(input: {
    readonly connectionId: string;
    readonly browserBinding: string;
    readonly redirectUri: string;
    readonly flow: FlowContext;
    readonly now: number;
    /** The customer's choices from the form (environment, subdomain); checked by the runtime. */
    readonly choices?: Readonly<Record<string, string>>;
  }): Promise<{ readonly authorizeUrl: string }>;
  /** Consumes the session named by `state`, exchanges the code and stores the tokens. */
  completeAuthorization(
    query: Readonly<Record<string, string | readonly string[] | undefined>>,
    options: { readonly browserBinding: string | null; readonly now: number },
  ): Promise<CallbackOutcome>;
  /**
   * Completes a legacy implicit grant from the redirect's fragment (`access_token=…&state=…`), which the
   * callback page read in the browser and posted: the same single-use, browser-bound session as a code callback.
   */
  completeImplicit(
    fragment: string,
    options: { readonly browserBinding: string | null; readonly now: number },
  ): Promise<CallbackOutcome>;
  /** Fetches a token right away with the given fields (client id/secret, ...). */
  connectWithClientCredentials(input: {
    readonly connectionId: string;
    readonly fields: Readonly<Record<string, string>>;
    readonly now: number;
  }): Promise<void>;
  /** Fetches a token right away with the resource owner's username and password (and other fields). */
  connectWithPassword(input: {
    readonly connectionId: string;
    readonly fields: Readonly<Record<string, string>>;
    readonly now: number;
  }): Promise<void>;
  /**
   * Starts a device-code flow. `choices` are what the card asked for (an environment, a subdomain): the runtime
   * checks them again, uses them for the device and token endpoints, and saves them when the flow connects.
   */
  startDeviceAuthorization(input: {
    readonly connectionId: string;
    readonly now: number;
    readonly choices?: Readonly<Record<string, string>>;
  }): Promise<DeviceFlowView>;
  /** Polls the provider if the interval allows, and returns the session's current state. */
  pollDeviceAuthorization(input: {
    readonly sessionId: string;
    readonly now: number;
  }): Promise<DeviceFlowView>;
  /** Revokes at the provider when possible, deletes the tokens; says what happened at the provider. */
  disconnect(input: { readonly connectionId: string; readonly now: number }): Promise<DisconnectView>;
}

/** A config variable the customer chooses on the connect page (see the runtime's `describeConfigVars`). */
export interface ConfigVarPageView {
  readonly key: string;
  readonly label: string;
  readonly description: string | null;
  /** The data source's type: `picklist` shows a select, the simple types one field, the others `form`. */
  readonly type: ConfigurableType;
  /** `waiting` until the connections it reads through are connected; `failed` when its data source failed. */
  readonly state: 'waiting' | 'ready' | 'failed';
  readonly connectionIds: readonly string[];
  readonly choices: readonly { readonly key: string; readonly label: string }[];
  readonly suggested: string | null;
  /** The form of an `objectSelection`, `objectFieldMap` or `jsonForm` variable. */
  readonly form: StructuredForm | null;
  readonly value: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** Config variables chosen on the connect page. */
export interface ConfigPort {
  /** The instance's config variables with their choices (their data sources run now). */
  describeConfigVars(instanceId: string): Promise<readonly ConfigVarPageView[]>;
  /**
   * Checks `value` (or, for a structured type, the posted form's `fields`) against the variable's choices (or
   * type) and saves it in the instance's config.
   */
  saveConfigVar(input: ConfigVarChoice): Promise<void>;
}

/** A verified API key. */
export interface ApiPrincipal {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** API-key verification. */
export interface ApiKeyPort {
  /** The key's principal when `key` is valid and not revoked. */
  verify(key: string): Promise<ApiPrincipal | undefined>;
}

/** What a readiness check found; `reason` is a stable code when not ready, `message` says what to do. */
export interface ReadinessResult {
  readonly ready: boolean;
  readonly reason?: string;
  readonly message?: string;
}

/** Readiness: can this replica serve requests (database reachable, every key in use held)? */
export interface ReadinessPort {
  check(): Promise<ReadinessResult>;
}

/**
 * What a disconnect did at the provider: `revoked`, `no_revocation_url`, `failed` (tokens deleted locally all
 * the same), or `no_tokens` (nothing was stored, e.g. already disconnected).
 */
export interface DisconnectView {
  readonly revocation: 'revoked' | 'no_revocation_url' | 'failed' | 'no_tokens';
}
