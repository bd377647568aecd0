/**
 * Keyway's one error type and its table of stable codes.
 *
 * Callers branch on `err.code`, never on message text. The table below is mirrored in the README
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

/** Renders the error table as the README's markdown table. */
export function renderErrorTable(): string {
  const rows = Object.entries(errorTable).map(
    ([code, spec]: [string, ErrorSpec]) =>
      `| \`${code}\` | ${spec.status} | ${spec.transient ? 'yes' : 'no'} | ${spec.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | HTTP status | transient | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
