import { z } from 'zod';
import { KeywayError, isKeywayError } from '../errors';
import {
  addExtraParams,
  authenticatedPost,
  requireEndpoint,
  send,
  setFormScope,
  tokenEndpointRequest,
  type AuthorizationServer,
  type GrantOptions,
  type OAuthClient,
  type ProviderQuirks,
} from './client';
import { realSleep } from './http';
import { expectOkBody, parseBody, standardErrorCode, type ProcessOptions } from './response';
import { shouldRetry, withRetry } from './retry';
import { processTokenResponse, type TokenSet } from './token-set';
import type { HttpRequest, HttpResponse } from './types';

/** The grant type URN of the device flow. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.5: without an `interval`, clients wait 5 seconds between polls. */
const DEFAULT_INTERVAL_S = 5;
/** RFC 8628 §3.5: `slow_down` means "increase the interval by 5 seconds for this and all later requests". */
const SLOW_DOWN_STEP_S = 5;

/**
 * The device authorization response, normalised (`expiresAt` absolute, `interval` defaulted).
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export const DeviceAuthorization = z.object({
  deviceCode: z.string().min(1),
  userCode: z.string().min(1),
  verificationUri: z.string().min(1),
  verificationUriComplete: z.string().optional(),
  expiresIn: z.number().positive(),
  expiresAt: z.number(),
  interval: z.number().positive(),
});
/** See the {@link DeviceAuthorization} schema. */
export type DeviceAuthorization = z.infer<typeof DeviceAuthorization>;

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const DeviceAuthorizationBody = z.looseObject({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  // Google's older endpoint says verification_url; accept it as the same field.
  verification_uri: z.string().min(1).optional(),
  verification_url: z.string().min(1).optional(),
  verification_uri_complete: z.string().optional(),
  expires_in: numeric,
  interval: numeric.optional(),
});

/** Parameters of a device authorization request. */
export interface DeviceAuthorizationParams {
  readonly scopes?: readonly string[];
  readonly extraParams?: Readonly<Record<string, string>>;
}

/**
 * Builds the device authorization request.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export function deviceAuthorizationRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  params: DeviceAuthorizationParams = {},
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams();
  setFormScope(body, params.scopes, quirks);
  addExtraParams(body, params.extraParams, quirks.extraTokenParams);
  return authenticatedPost(requireEndpoint(server, 'deviceAuthorizationEndpoint'), client, body);
}

/**
 * Validates the device authorization response.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.2
 */
export function processDeviceAuthorizationResponse(
  response: HttpResponse,
  options: ProcessOptions & { readonly now?: () => number } = {},
): DeviceAuthorization {
  const body = expectOkBody(response, 'Device authorization request', options);
  const parsed = DeviceAuthorizationBody.safeParse(body);
  const verificationUri = parsed.success
    ? (parsed.data.verification_uri ?? parsed.data.verification_url)
    : undefined;
  if (!parsed.success || verificationUri === undefined) {
    throw new KeywayError('KW_OAUTH_UNEXPECTED_RESPONSE', {
      message:
        'Device authorization failed: the answer lacks device_code, user_code, verification_uri or expires_in.',
      provider: { status: response.status },
    });
  }
  const now = (options.now ?? Date.now)();
  return {
    deviceCode: parsed.data.device_code,
    userCode: parsed.data.user_code,
    verificationUri,
    ...(parsed.data.verification_uri_complete !== undefined
      ? { verificationUriComplete: parsed.data.verification_uri_complete }
      : {}),
    expiresIn: parsed.data.expires_in,
    expiresAt: now + parsed.data.expires_in * 1000,
    interval: parsed.data.interval ?? DEFAULT_INTERVAL_S,
  };
}

/**
 * Starts the device flow.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.1
 */
export function requestDeviceAuthorization(
  server: AuthorizationServer,
  client: OAuthClient,
  params: DeviceAuthorizationParams = {},
  options: GrantOptions = {},
): Promise<DeviceAuthorization> {
  const request = deviceAuthorizationRequest(server, client, params, options);
  return withRetry(
    'device_authorization',
    async () =>
      processDeviceAuthorizationResponse(await send(request, options), {
        ...options,
        secrets: client.auth.secrets(),
      }),
    { policy: options.retry, sleep: options.sleep, signal: options.signal },
  );
}

/**
 * Builds one device access token request.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 */
export function deviceCodeGrantRequest(
  server: AuthorizationServer,
  client: OAuthClient,
  deviceCode: string,
  quirks: ProviderQuirks = {},
): HttpRequest {
  const body = new URLSearchParams({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode });
  return tokenEndpointRequest(server, client, body, quirks);
}

/** One poll's outcome: tokens, or keep waiting (possibly slower). */
export type DevicePollResult =
  | { readonly status: 'complete'; readonly tokenSet: TokenSet }
  | { readonly status: 'pending' }
  | { readonly status: 'slow_down' };

/**
 * Reads one poll response: `authorization_pending` and `slow_down` mean keep polling, also inside an
 * HTTP 200 (GitHub) and when a vendor code maps to them through `errorCodes`; `access_denied` →
 * `KW_OAUTH_ACCESS_DENIED`; `expired_token` → `KW_OAUTH_DEVICE_EXPIRED`.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export function processDeviceCodeResponse(
  response: HttpResponse,
  options: ProcessOptions & { readonly now?: () => number } = {},
): DevicePollResult {
  const body = parseBody(response);
  const clientError = response.status >= 400 && response.status < 500;
  // RFC 8628 servers answer a pending poll with 400; GitHub with HTTP 200 and an error body.
  const errorInOk = response.status >= 200 && response.status < 300 && body?.access_token === undefined;
  if ((clientError || errorInOk) && typeof body?.error === 'string') {
    const error = standardErrorCode(body.error, options.errorCodes);
    if (error === 'authorization_pending') return { status: 'pending' };
    if (error === 'slow_down') return { status: 'slow_down' };
  }
  return {
    status: 'complete',
    tokenSet: processTokenResponse(response, { what: 'Device flow', ...options }),
  };
}

/** Options for {@link pollDeviceAuthorization}. */
export interface DevicePollOptions extends GrantOptions {
  /** Called after each poll that did not finish the flow, with the interval now in force (seconds). */
  readonly onPending?:
    ((outcome: 'pending' | 'slow_down' | 'transient_error', intervalS: number) => void) | undefined;
}

/**
 * Polls the token endpoint until the user approves or denies, or the code expires. Waits `interval`
 * seconds before each poll, adds 5 seconds on every `slow_down`, keeps polling through transient
 * failures, and stops with `KW_OAUTH_ABORTED` as soon as `options.signal` fires. Sleep and clock are
 * injectable so tests run instantly.
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.4
 * @see https://www.rfc-editor.org/rfc/rfc8628#section-3.5
 */
export async function pollDeviceAuthorization(
  server: AuthorizationServer,
  client: OAuthClient,
  authorization: Pick<DeviceAuthorization, 'deviceCode' | 'interval' | 'expiresAt'>,
  options: DevicePollOptions = {},
): Promise<TokenSet> {
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  const request = deviceCodeGrantRequest(server, client, authorization.deviceCode, options);
  let intervalS = authorization.interval;
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted)
      throw new KeywayError('KW_OAUTH_ABORTED', { message: 'Device flow cancelled.' });
    await sleep(intervalS * 1000, options.signal);
    if (now() >= authorization.expiresAt) {
      throw new KeywayError('KW_OAUTH_DEVICE_EXPIRED');
    }
    let result: DevicePollResult;
    try {
      result = processDeviceCodeResponse(await send(request, options), {
        ...options,
        secrets: [authorization.deviceCode, ...client.auth.secrets()],
      });
      failures = 0;
    } catch (err) {
      failures++;
      const decision = shouldRetry('device_poll', err, failures, options.retry);
      if (!decision.retry || !isKeywayError(err)) throw err;
      // A transient failure waits at least the backoff on top of the regular interval.
      options.onPending?.('transient_error', intervalS);
      await sleep(decision.delayMs, options.signal);
      continue;
    }
    if (result.status === 'complete') return result.tokenSet;
    if (result.status === 'slow_down') intervalS += SLOW_DOWN_STEP_S;
    options.onPending?.(result.status, intervalS);
  }
}
