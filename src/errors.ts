/**
 * Keyway's one error type and its table of stable codes.
 *
 * Callers branch on `err.code`, never on message text. The table below is mirrored in docs/errors.md
 * (`npm run docs:errors` regenerates it; `test/errors.test.ts` fails when the two drift apart).
 */

/** One row of the error table. */
export interface ErrorSpec {
  /** HTTP status the REST API answers with when this error reaches it. */
  readonly status: number;
  /** True when trying again later may succeed (5xx, 429, timeouts, resets). */
  readonly transient: boolean;
  /** What happened and what a person can do about it; the default message. */
  readonly description: string;
}

/** Every error Keyway raises, by stable code. Add rows here; never rename or reuse a code. */
export const errorTable = {
  // Configuration
  KW_CONFIG_INVALID: {
    status: 500,
    transient: false,
    description: 'A configuration value is missing or malformed; the message names it.',
  },

  // OAuth protocol engine (src/oauth)
  KW_OAUTH_INVALID_GRANT: {
    status: 400,
    transient: false,
    description:
      'The provider rejected the grant (code, refresh token or device code) as invalid, expired or revoked; the user must authorize again.',
  },
  KW_OAUTH_INVALID_CLIENT: {
    status: 400,
    transient: false,
    description: 'The provider rejected the client credentials; check the client id, secret and auth method.',
  },
  KW_OAUTH_ACCESS_DENIED: {
    status: 403,
    transient: false,
    description: 'The resource owner or the provider denied the request.',
  },
  KW_OAUTH_PROVIDER_ERROR: {
    status: 502,
    transient: false,
    description:
      'The provider answered with an OAuth error (RFC 6749 §5.2); `error`, `error_description` and the HTTP status are kept on the error.',
  },
  KW_OAUTH_SERVER_ERROR: {
    status: 502,
    transient: true,
    description: 'The provider failed with a 5xx or `temporarily_unavailable`; try again later.',
  },
  KW_OAUTH_RATE_LIMITED: {
    status: 429,
    transient: true,
    description: 'The provider rate-limited the request (HTTP 429); `retryAfterMs` says when to try again.',
  },
  KW_OAUTH_TIMEOUT: {
    status: 504,
    transient: true,
    description: 'The provider did not answer within the request timeout.',
  },
  KW_OAUTH_NETWORK: {
    status: 502,
    transient: true,
    description: 'The connection to the provider failed or was reset.',
  },
  KW_OAUTH_UNEXPECTED_RESPONSE: {
    status: 502,
    transient: false,
    description:
      'The provider answered with something that is not a valid OAuth response (an HTML page, a body without `access_token`); a short redacted snippet is kept.',
  },
  KW_OAUTH_CALLBACK_INVALID: {
    status: 400,
    transient: false,
    description: 'The authorization callback is malformed (no code, no state, duplicated parameters).',
  },
  KW_OAUTH_CALLBACK_ERROR: {
    status: 400,
    transient: false,
    description: 'The provider redirected back with an error (`error`, `error_description`, `error_uri`).',
  },
  KW_OAUTH_STATE_MISMATCH: {
    status: 400,
    transient: false,
    description: 'The callback `state` does not match the one this authorization started with.',
  },
  KW_OAUTH_ISSUER_MISMATCH: {
    status: 400,
    transient: false,
    description:
      'The callback `iss` parameter (RFC 9207) is not the expected issuer; possible mix-up attack.',
  },
  KW_OAUTH_DEVICE_EXPIRED: {
    status: 400,
    transient: false,
    description: 'The device code expired before the user approved it; start the device flow again.',
  },
  KW_OAUTH_ABORTED: {
    status: 499,
    transient: false,
    description: 'The operation was cancelled by the caller.',
  },
  KW_OAUTH_DISCOVERY_FAILED: {
    status: 502,
    transient: false,
    description: 'The issuer metadata (RFC 8414 / OpenID discovery) could not be fetched or is invalid.',
  },
  KW_OAUTH_GRANT_DISABLED: {
    status: 400,
    transient: false,
    description: 'The grant is not enabled for this definition (e.g. implicit without an explicit opt-in).',
  },
  KW_OAUTH_PKCE_INVALID: {
    status: 400,
    transient: false,
    description:
      'A PKCE code verifier is malformed: it must be 43–128 characters from [A-Za-z0-9-._~] (RFC 7636 §4.1).',
  },

  // Sandbox authorization server (src/sandbox)
  KW_SANDBOX_FAILED: {
    status: 500,
    transient: false,
    description:
      'The sandbox authorization server could not do what was asked (unknown user code, an authorization that did not reach the redirect URI); the message says why.',
  },

  // Runtime: components, instances, actions, connect flows (src/runtime)
  KW_COMPONENT_INVALID: {
    status: 400,
    transient: false,
    description:
      'The component bundle is not a valid spectral component; the message names the first problem.',
  },
  KW_COMPONENT_CODE_NATIVE: {
    status: 400,
    transient: false,
    description:
      'The bundle is a code-native integration (spectral `integration(...)`), not a component; Keyway runs components only.',
  },
  KW_COMPONENT_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'No component with this key is loaded or published.',
  },
  KW_ACTION_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'The component has no action with this key.',
  },
  KW_ACTION_INPUT_INVALID: {
    status: 400,
    transient: false,
    description: 'An action input is missing, unknown or malformed; the message names it.',
  },
  KW_ACTION_FAILED: {
    status: 502,
    transient: false,
    description: 'The action threw; the message is what it threw, with secrets removed.',
  },
  KW_ACTION_UNAUTHORIZED: {
    status: 502,
    transient: false,
    description:
      'The provider rejected the access token (HTTP 401) again after one forced refresh; the connection may need to be authorized again.',
  },
  // Triggers (src/runtime/subscriptions.ts, trigger-run.ts, poller.ts)
  KW_TRIGGER_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'The component has no trigger with this key, or no trigger subscription has this id or URL.',
  },
  KW_TRIGGER_INVALID: {
    status: 400,
    transient: false,
    description:
      'The subscription cannot be made as asked: a polling trigger needs a schedule (`everySeconds` or `cron`), a webhook trigger takes none, or the cron expression is malformed.',
  },
  KW_TRIGGER_HOOK_FAILED: {
    status: 502,
    transient: false,
    description:
      'A lifecycle hook of the trigger (onInstanceDeploy, onInstanceDelete, webhookLifecycleHandlers.create or .delete) threw; the subscription is left `enable_failed` / `disable_failed` with the message (secrets removed). Retry with `POST /api/triggers/:id/retry` or by disabling again.',
  },
  KW_TRIGGER_FAILED: {
    status: 500,
    transient: false,
    description:
      'The trigger threw while handling a webhook request; the caller gets only this code and the execution id, the execution record has the message.',
  },
  KW_TRIGGER_API_KEY_INVALID: {
    status: 401,
    transient: false,
    description: 'The trigger URL requires an `Api-Key` header and the request sent none or a wrong one.',
  },
  KW_TRIGGER_BODY_TOO_LARGE: {
    status: 413,
    transient: false,
    description:
      'The webhook request body is larger than the deployment accepts (KEYWAY_TRIGGER_BODY_LIMIT; default 1 MiB).',
  },
  KW_DATA_SOURCE_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'The component has no data source with this key; the message lists the ones it has.',
  },
  KW_DATA_SOURCE_FAILED: {
    status: 502,
    transient: false,
    description: "The data source's perform threw; the message is what it threw, with secrets removed.",
  },
  KW_DATA_SOURCE_RESULT_INVALID: {
    status: 502,
    transient: false,
    description:
      'The data source returned something other than `{ result, supplementalData? }` of its `dataSourceType`; the message names the data source and what is wrong.',
  },
  KW_CONFIG_VAR_INVALID: {
    status: 400,
    transient: false,
    description:
      "A config variable's value is not acceptable (not one of its data source's choices, or not of its type), or the instance has no such config variable.",
  },
  KW_CONNECTION_ERROR: {
    status: 502,
    transient: false,
    description:
      'The action reported a connection error (spectral `ConnectionError`); the connection is marked `error` until it is fixed or reconnected.',
  },
  KW_CONNECTION_NOT_CONNECTED: {
    status: 409,
    transient: false,
    description:
      'The connection has no usable credentials yet (pending, disconnected or needs reauthorization).',
  },
  KW_CONNECTION_INVALID: {
    status: 400,
    transient: false,
    description:
      'A connection of the instance does not match its component (unknown definition, missing or unknown field).',
  },
  KW_CONNECTION_TEMPLATE_SET: {
    status: 400,
    transient: false,
    description:
      'A value was given for a template input (`type: "template"`): templates are computed from the other fields, never set.',
  },
  KW_INSTANCE_INVALID: {
    status: 400,
    transient: false,
    description:
      'The instance definition is invalid (unknown component, duplicate connection name, bad config values).',
  },
  KW_INSTANCE_AMBIGUOUS: {
    status: 409,
    transient: false,
    description:
      'Several instances carry the name given; the message lists their ids. Use the id, or name the customer.',
  },
  KW_CONNECT_CHOICE_INVALID: {
    status: 400,
    transient: false,
    description:
      'A value chosen on the connect page (an environment, a subdomain) is not one the connection offers or is not well formed.',
  },
  KW_CONNECT_GRANT_UNSUPPORTED: {
    status: 400,
    transient: false,
    description:
      "This connect flow does not apply to the connection's grant type (e.g. a browser flow for client credentials).",
  },
  // Store and encryption at rest (src/store)
  KW_STORE_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'The record to update or use does not exist; the message names its kind and id.',
  },
  KW_STORE_CONFLICT: {
    status: 409,
    transient: false,
    description:
      'The record already exists or breaks a uniqueness rule (same id, same connection name in an instance, same component version).',
  },
  KW_STORE_INVALID_INPUT: {
    status: 400,
    transient: false,
    description:
      'A value given to the store is malformed (wrong type, bad JSON, negative time); the message names the field.',
  },
  KW_STORE_CORRUPT_ROW: {
    status: 500,
    transient: false,
    description:
      'A stored row does not match the schema Keyway expects; the database was edited by hand or is from a newer Keyway.',
  },
  KW_STORE_WRITE_FAILED: {
    status: 500,
    transient: false,
    description:
      'The database refused a write for a reason the store does not recognise (a trigger, a check, the disk); nothing of that write was saved. See the cause.',
  },
  KW_STORE_LOCK_TIMEOUT: {
    status: 503,
    transient: true,
    description: 'Another process held the connection lock for longer than the lock timeout; try again.',
  },
  KW_STORE_UNAVAILABLE: {
    status: 503,
    transient: true,
    description:
      'The database could not be opened or reached; check the database URL or data directory and permissions.',
  },
  KW_STORE_MIGRATION_FAILED: {
    status: 500,
    transient: false,
    description: 'A schema migration failed or the database was migrated by a newer Keyway; see the cause.',
  },
  KW_CRYPTO_KEY_MISSING: {
    status: 500,
    transient: false,
    description:
      'No encryption key is configured; set KEYWAY_ENCRYPTION_KEYS (required with PostgreSQL, generated automatically only for SQLite).',
  },
  KW_CRYPTO_KEY_INVALID: {
    status: 500,
    transient: false,
    description:
      'An encryption key is malformed (not 32 bytes of base64) or is not the key this database was encrypted with.',
  },
  KW_CRYPTO_KEY_UNKNOWN: {
    status: 500,
    transient: false,
    description:
      'A stored value was encrypted with a key id that is not in the key ring; add that key back to KEYWAY_ENCRYPTION_KEYS.',
  },
  KW_CRYPTO_DECRYPT_FAILED: {
    status: 500,
    transient: false,
    description:
      'A stored secret failed authentication: it was tampered with or copied from another row. The value is not used.',
  },
  KW_CRYPTO_KEY_NOT_ON_REPLICAS: {
    status: 409,
    transient: false,
    description:
      'Key rotation was refused and nothing was rewritten: a live replica does not hold the target key. Add the key to KEYWAY_ENCRYPTION_KEYS on every replica, restart them, then rotate again.',
  },
  KW_AUTH_SESSION_NOT_FOUND: {
    status: 400,
    transient: false,
    description: 'No connect-flow session exists for this state; start connecting again.',
  },
  KW_AUTH_SESSION_EXPIRED: {
    status: 400,
    transient: false,
    description:
      'The connect-flow session expired before the provider redirected back; start connecting again.',
  },
  KW_AUTH_SESSION_CONSUMED: {
    status: 400,
    transient: false,
    description: 'The connect-flow session was already used; a callback can be processed only once.',
  },
  KW_AUTH_SESSION_BROWSER_MISMATCH: {
    status: 400,
    transient: false,
    description:
      'The callback arrived in a different browser from the one that started connecting; finish in the same browser.',
  },
  KW_DEVICE_SESSION_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'No device authorization session exists with this id.',
  },
  KW_DEVICE_SESSION_COMPLETED: {
    status: 409,
    transient: false,
    description: 'The device authorization session already finished (approved, denied, expired or failed).',
  },
  KW_DEVICE_SESSION_FAILED: {
    status: 409,
    transient: false,
    description:
      'The device authorization can no longer complete: the provider no longer accepts its device code (e.g. the tokens of an approval could not be saved). Nothing was connected; start the device flow again.',
  },
  KW_DEVICE_SESSION_SUPERSEDED: {
    status: 409,
    transient: false,
    description:
      'The connection was connected another way or disconnected while the device authorization was completing: that change stands, the tokens the device got were not saved and the session ended. Start the device flow again to connect with the device.',
  },

  // Provider definitions and connection resolution (connections/)
  KW_PROVIDER_DEFINITION_INVALID: {
    status: 500,
    transient: false,
    description:
      'A provider definition or a connection definition is malformed (bad URL, unknown template slot, bad hidden input); the message names each bad field.',
  },
  KW_PROVIDER_UNKNOWN: {
    status: 404,
    transient: false,
    description: 'No provider with this key is registered in connections/.',
  },
  KW_PROVIDER_NOT_OAUTH: {
    status: 400,
    transient: false,
    description:
      'The connection definition is not an OAuth 2.0 connection (no `oauth2Type` and no `keywayGrantType` hidden input).',
  },
  KW_PROVIDER_FIELD_MISSING: {
    status: 400,
    transient: false,
    description:
      'A required connection field (client id, client secret, a URL) has no value; the message names it.',
  },
  KW_PROVIDER_TEMPLATE_UNRESOLVED: {
    status: 400,
    transient: false,
    description:
      'A `{{#field}}` slot in a connection URL refers to a field that has no value; fill in the named field.',
  },
  KW_PROVIDER_ENVIRONMENT_UNKNOWN: {
    status: 400,
    transient: false,
    description:
      'The connection names an environment the provider does not define; the message lists the valid ones.',
  },
  KW_PROVIDER_URL_INVALID: {
    status: 400,
    transient: false,
    description: 'A connection URL is not an absolute http(s) URL once its template is filled in.',
  },

  // HTTP server: connect links, connect page, REST API (src/server)
  KW_LINK_INVALID: {
    status: 403,
    transient: false,
    description:
      'The connect link is malformed or its signature does not match; ask for a new link instead of editing it.',
  },
  KW_LINK_EXPIRED: {
    status: 410,
    transient: false,
    description: 'The connect link has expired; ask the platform for a new one.',
  },
  KW_LINK_CONNECTION_NOT_ALLOWED: {
    status: 403,
    transient: false,
    description:
      'The connect link does not cover this connection (another instance, or a connection left out of the link).',
  },
  KW_CSRF_INVALID: {
    status: 403,
    transient: false,
    description:
      'The form was submitted without a valid CSRF token for this browser; reload the connect page and try again.',
  },
  KW_REDIRECT_NOT_ALLOWED: {
    status: 400,
    transient: false,
    description:
      'The completion URL is not an absolute http(s) URL on one of the allowed redirect origins (KEYWAY_ALLOWED_REDIRECT_ORIGINS).',
  },
  KW_REQUEST_INVALID: {
    status: 400,
    transient: false,
    description: 'The request body, query or path is malformed; `details.issues` names each bad field.',
  },
  KW_API_UNAUTHORIZED: {
    status: 401,
    transient: false,
    description:
      'The API request has no API key or an unknown or revoked one; send `Authorization: Bearer <key>`.',
  },
  KW_API_FORBIDDEN: {
    status: 403,
    transient: false,
    description: 'The API key is valid but lacks the scope this endpoint needs; `details.required` names it.',
  },
  KW_PUBLIC_URL_UNKNOWN: {
    status: 400,
    transient: false,
    description:
      'No public URL is known: `connect-link` without one, `serve` on `0.0.0.0` or port 0 without one. Pass `--public-url`, set KEYWAY_PUBLIC_URL or `publicUrl` in the config file.',
  },
  KW_BODY_TOO_LARGE: {
    status: 413,
    transient: false,
    description:
      'A request body is larger than its endpoint accepts: a component bundle sent to `POST /api/components` over `maxBundleBytes` (KEYWAY_MAX_BUNDLE_BYTES; default 32 MiB, measured after gzip is inflated), any other body over 1 MiB.',
  },
  KW_API_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'No such route, or the resource named in the path does not exist.',
  },
  KW_INTERNAL_ERROR: {
    status: 500,
    transient: false,
    description: 'An unexpected failure inside Keyway; the log line with the same request id has the cause.',
  },
  // Fresh credentials, connection events and webhooks (src/runtime/credentials.ts, webhooks.ts)
  KW_CONNECTION_NOT_FOUND: {
    status: 404,
    transient: false,
    description: 'No connection with this id exists (it may have been deleted).',
  },
  KW_CREDENTIALS_COOLDOWN: {
    status: 503,
    transient: true,
    description:
      'The access token expired and its last refresh failed moments ago; Keyway waits out a backoff before trying again (`retryAfterMs`).',
  },
  KW_CREDENTIALS_REFRESH_INTERRUPTED: {
    status: 409,
    transient: false,
    description:
      'A token refresh was interrupted after it was sent (its process crashed or lost the database) and the provider no longer accepts the old refresh token; the user must authorize again.',
  },
  KW_CREDENTIALS_TOKEN_MALFORMED: {
    status: 500,
    transient: false,
    description: "The connection's stored token set is not in Keyway's format; reconnect the connection.",
  },
  KW_WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    transient: false,
    description:
      'The `X-Keyway-Signature` header is missing, malformed or does not match the body under the endpoint secret.',
  },
  KW_WEBHOOK_SIGNATURE_EXPIRED: {
    status: 401,
    transient: false,
    description: 'The webhook signature timestamp is outside the tolerance; it may be a replayed delivery.',
  },

  // Command line (src/cli)
  KW_CLI_ARGUMENT_INVALID: {
    status: 400,
    transient: false,
    description:
      'A command-line argument is malformed (bad JSON inputs, a `key=value` without `=`, an unknown scope, a missing file); the message names it.',
  },
  KW_COMPONENT_BUILD_FAILED: {
    status: 500,
    transient: false,
    description:
      'Building a component package with tsup failed or wrote no `dist/index.js`; the message has the last lines of its output.',
  },
  KW_CONNECTOR_INVALID: {
    status: 400,
    transient: false,
    description:
      'A low-code connector file (YAML or JSON) is invalid: an unknown field, a template slot naming an input or connection field that does not exist, a missing required field, a bad JSON path. The message names the file, line and field; nothing is built or published.',
  },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code. */
export type ErrorCode = keyof typeof errorTable;

/** The OAuth error fields a provider sent, kept as-is (RFC 6749 §5.2). */
export interface ProviderErrorFields {
  readonly error?: string;
  readonly error_description?: string;
  readonly error_uri?: string;
  /** HTTP status of the provider's response. */
  readonly status?: number;
}

/** Options for {@link KeywayError}. */
export interface KeywayErrorOptions {
  /** Overrides the table's description; must not contain secrets. */
  readonly message?: string;
  readonly cause?: unknown;
  /** What the provider said, when the error came from a provider. */
  readonly provider?: ProviderErrorFields;
  /** When the caller may try again (from `Retry-After`). */
  readonly retryAfterMs?: number;
  /** Small, non-secret facts useful to a person or a log (ids, field names, a redacted snippet). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The one error type Keyway throws. Branch on `code`. */
export class KeywayError extends Error {
  override readonly name = 'KeywayError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly transient: boolean;
  readonly provider: ProviderErrorFields | undefined;
  readonly retryAfterMs: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, options: KeywayErrorOptions = {}) {
    const spec: ErrorSpec = errorTable[code];
    super(
      options.message ?? spec.description,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = spec.status;
    this.transient = spec.transient;
    this.provider = options.provider;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
    // The cause may carry request data (headers, bodies); keep it off JSON and enumeration.
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: false });
    }
  }

  /** The one JSON shape errors take on the wire and in logs. */
  toJSON(): {
    code: ErrorCode;
    message: string;
    transient: boolean;
    provider?: ProviderErrorFields;
    retryAfterMs?: number;
    details?: Readonly<Record<string, unknown>>;
  } {
    return {
      code: this.code,
      message: this.message,
      transient: this.transient,
      ...(this.provider ? { provider: this.provider } : {}),
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** True when `value` is a {@link KeywayError}, optionally with the given code. */
export function isKeywayError(value: unknown, code?: ErrorCode): value is KeywayError {
  return value instanceof KeywayError && (code === undefined || value.code === code);
}

/** Renders the error table as docs/errors.md's markdown table. */
export function renderErrorTable(): string {
  const rows = Object.entries(errorTable).map(
    ([code, spec]: [string, ErrorSpec]) =>
      `| \`${code}\` | ${spec.status} | ${spec.transient ? 'yes' : 'no'} | ${spec.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | HTTP status | transient | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
