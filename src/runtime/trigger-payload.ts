/**
 * spectral's `TriggerPayload` for a webhook request and for a poll, and the HTTP answer a trigger's result
 * gives the caller (its `response`, or `{"executionId": …}` as Prismatic answers by default).
 */
import type { Subscription } from '../store';
import type { ContextIdentity } from './context';

/** A request to a trigger URL, as the server hands it over. */
export interface WebhookRequest {
  /** The secret path segment naming the subscription. */
  readonly token: string;
  /** What follows the token in the path (`/a/b`), or `''`. */
  readonly pathFragment: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The body exactly as received. */
  readonly body: Buffer;
  /** The URL the request was sent to, on the public base URL. */
  readonly invokeUrl: string;
}

/** What the caller of a trigger URL gets back. */
export interface WebhookResponse {
  readonly statusCode: number;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/**
 * The parsed body: JSON for a JSON content type, an object of fields for a form, the UTF-8 text otherwise.
 * A body that does not parse as its type says is passed as text: the trigger decides what to do with it.
 */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  if (contentType !== undefined && JSON_TYPE.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (contentType !== undefined && FORM_TYPE.test(contentType)) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return text;
}

/** The common part of every payload: who and what the run is for. */
function identityPart(identity: ContextIdentity): Record<string, unknown> {
  return {
    webhookUrls: identity.webhookUrls ?? {},
    webhookApiKeys: identity.webhookApiKeys ?? {},
    executionId: identity.executionId,
    customer: identity.customer,
    instance: identity.instance,
    user: identity.user,
    integration: identity.integration,
    flow: { id: identity.flow.id, name: identity.flow.name },
    startedAt: new Date(identity.startedAt).toISOString(),
    globalDebug: false,
  };
}

/** spectral's `TriggerPayload` for a webhook request. */
export function webhookPayload(request: WebhookRequest, identity: ContextIdentity): Record<string, unknown> {
  const contentType = request.headers['content-type'];
  const typed = contentType === undefined ? {} : { contentType };
  return {
    headers: { ...request.headers },
    queryParameters: { ...request.query },
    rawBody: { data: request.body, ...typed },
    body: { data: parseBody(request.body, contentType), ...typed },
    pathFragment: request.pathFragment,
    invokeUrl: request.invokeUrl,
    ...identityPart(identity),
  };
}

/** spectral's `TriggerPayload` for a scheduled poll: no request, so no headers and no body. */
export function pollPayload(subscription: Subscription, identity: ContextIdentity): Record<string, unknown> {
  return {
    headers: {},
    queryParameters: {},
    rawBody: { data: null },
    body: { data: null },
    pathFragment: '',
    invokeUrl: identity.webhookUrls?.[subscription.name] ?? '',
    ...identityPart(identity),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The answer to the caller: the trigger result's `response` (status, content type, headers, body), else 200 with
 * `{"executionId": …}`. A malformed `response` falls back to the default rather than failing a run that worked.
 */
export function webhookResponse(result: unknown, executionId: string): WebhookResponse {
  const fallback: WebhookResponse = {
    statusCode: 200,
    contentType: 'application/json',
    headers: {},
    body: JSON.stringify({ executionId }),
  };
  const response = isRecord(result) ? result.response : undefined;
  if (!isRecord(response)) return fallback;
  const status = response.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    return fallback;
  const headers: Record<string, string> = {};
  if (isRecord(response.headers)) {
    for (const [name, value] of Object.entries(response.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
  }
  return {
    statusCode: status,
    contentType: typeof response.contentType === 'string' ? response.contentType : 'text/plain',
    headers,
    body:
      typeof response.body === 'string'
        ? response.body
        : response.body === undefined
          ? fallback.body
          : JSON.stringify(response.body),
  };
}
