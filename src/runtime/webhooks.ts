/**
 * Webhook delivery: a worker that drains the store's outbox and POSTs each event, HMAC-signed, to the
 * configured endpoints, retrying with backoff; and {@link verifyWebhook} for receivers.
 *
 * Endpoints come from the deployment's configuration (handed in by the composition root) and from the store
 * (created through the API, read again on every pass so every replica sees a change without a restart).
 *
 * Delivery is at least once. Every replica may run a worker: events are claimed with a lease, so two live
 * workers never post the same event at the same time; a worker that dies mid-delivery leaves the event to be
 * claimed again when its lease runs out. Receivers deduplicate on the event id (`X-Keyway-Event-Id`).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { KeywayError, isKeywayError } from '../errors';
import { httpTransport } from '../oauth';
import type { Transport } from '../oauth';
import type { OutboxEvent, Store } from '../store';
import { startPolling } from './polling';

/** The signature header's name. */
export const SIGNATURE_HEADER = 'x-keyway-signature';

/** How old a signature {@link verifyWebhook} accepts by default: five minutes, either way. */
export const DEFAULT_WEBHOOK_TOLERANCE_MS = 5 * 60_000;

/** One configured webhook receiver. */
export const WebhookEndpointSchema = z.strictObject({
  /** Stable id; part of the id of per-endpoint deliveries, so keep it when the URL changes. */
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _, . or -'),
  url: z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || url.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL'),
  /** The HMAC key; at least 16 characters. */
  secret: z.string().min(16, 'must be at least 16 characters'),
  /** Event types to send; all when omitted. */
  events: z.array(z.string().min(1)).optional(),
});
/** A parsed {@link WebhookEndpointSchema}. */
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

/** A list of endpoints with unique ids. */
export const WebhookEndpointsSchema = z.array(WebhookEndpointSchema).superRefine((endpoints, ctx) => {
  const seen = new Set<string>();
  endpoints.forEach((endpoint, index) => {
    if (seen.has(endpoint.id)) {
      ctx.addIssue({
        code: 'custom',
        path: [index, 'id'],
        message: `duplicate endpoint id "${endpoint.id}"`,
      });
    }
    seen.add(endpoint.id);
  });
});

/**
 * Parses endpoint configuration (e.g. JSON the CLI read from its environment). Throws `KW_CONFIG_INVALID` naming the
 * bad entry; the message never repeats a secret.
 */
export function parseWebhookEndpoints(value: unknown): WebhookEndpoint[] {
  const parsed = WebhookEndpointsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? issue.path.join('.') : '';
  throw new KeywayError('KW_CONFIG_INVALID', {
    message: `Webhook endpoint configuration is invalid at "${path || '(root)'}": ${issue?.message ?? 'invalid'}.`,
    details: { path },
  });
}

/** The HMAC-SHA256 (hex) of `"<timestamp>.<body>"` under `secret`. */
function hmacHex(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/**
 * The `X-Keyway-Signature` value for `body`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. Binding the
 * timestamp into the MAC lets receivers reject replays of old deliveries.
 */
export function signWebhook(body: string, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmacHex(secret, t, body)}`;
}

/** Options for {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** The raw request body, exactly as received (before any JSON parsing). */
  readonly body: string | Buffer;
  /** The `X-Keyway-Signature` header value. */
  readonly signature: string | undefined;
  /** The endpoint's secret; several during a rotation. */
  readonly secret: string | readonly string[];
  readonly now?: () => number;
  /** Maximum age (and clock skew) of the signature; defaults to {@link DEFAULT_WEBHOOK_TOLERANCE_MS}. */
  readonly toleranceMs?: number;
}

/**
 * Checks a delivery's signature in constant time and returns the signed timestamp (epoch ms). Throws
 * `KW_WEBHOOK_SIGNATURE_INVALID` when the header is missing, malformed or matches no secret, and
 * `KW_WEBHOOK_SIGNATURE_EXPIRED` when the timestamp is outside the tolerance.
 */
export function verifyWebhook(options: VerifyWebhookOptions): { timestamp: number } {
  const body = typeof options.body === 'string' ? options.body : options.body.toString('utf8');
  const header = options.signature ?? '';
  let t: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value !== undefined && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && value !== undefined && /^[0-9a-f]{64}$/.test(value)) candidates.push(value);
  }
  if (t === undefined || candidates.length === 0) {
    throw new KeywayError('KW_WEBHOOK_SIGNATURE_INVALID', {
      message: `The ${SIGNATURE_HEADER} header is missing or malformed; expected "t=<seconds>,v1=<hex>".`,
    });
  }
  const secrets = typeof options.secret === 'string' ? [options.secret] : options.secret;
  const matched = secrets.some((secret) => {
    const expected = Buffer.from(hmacHex(secret, t, body), 'hex');
    return candidates.some((candidate) => timingSafeEqual(expected, Buffer.from(candidate, 'hex')));
  });
  if (!matched) {
    throw new KeywayError('KW_WEBHOOK_SIGNATURE_INVALID', {
      message: 'The webhook signature does not match the body under any configured secret.',
    });
  }
  const now = (options.now ?? Date.now)();
  const tolerance = options.toleranceMs ?? DEFAULT_WEBHOOK_TOLERANCE_MS;
  if (Math.abs(now - t * 1000) > tolerance) {
    throw new KeywayError('KW_WEBHOOK_SIGNATURE_EXPIRED', {
      message: `The webhook was signed ${Math.round((now - t * 1000) / 1000)} s from now, outside the ${Math.round(tolerance / 1000)} s tolerance; it may be a replay.`,
      details: { signedAt: t * 1000 },
    });
  }
  return { timestamp: t * 1000 };
}

/** The JSON body posted for one event. */
export interface WebhookBody {
  readonly id: string;
  readonly type: string;
  readonly createdAt: number;
  readonly data: Record<string, unknown>;
}

/**
 * POSTs one signed event to one endpoint. Resolves to `undefined` on a 2xx, else to a short reason that never
 * holds a body or a secret (`HTTP 500 from endpoint x`, `KW_OAUTH_TIMEOUT posting to endpoint x`).
 */
export async function postWebhook(
  endpoint: WebhookEndpoint,
  body: WebhookBody,
  options: { readonly transport?: Transport; readonly now?: () => number; readonly timeoutMs?: number } = {},
): Promise<string | undefined> {
  const json = JSON.stringify(body);
  const now = options.now ?? Date.now;
  try {
    const response = await (options.transport ?? httpTransport)(
      {
        method: 'POST',
        url: endpoint.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'keyway-webhooks',
          'x-keyway-event-id': body.id,
          'x-keyway-event-type': body.type,
          [SIGNATURE_HEADER]: signWebhook(json, endpoint.secret, now()),
        },
        body: json,
      },
      { timeoutMs: options.timeoutMs ?? 10_000 },
    );
    if (response.status >= 200 && response.status < 300) return undefined;
    return `HTTP ${response.status} from endpoint ${endpoint.id}`;
  } catch (err) {
    // Transport errors carry a URL and a code only, never a body; still keep just the code.
    return `${isKeywayError(err) ? err.code : 'KW_OAUTH_NETWORK'} posting to endpoint ${endpoint.id}`;
  }
}

/** The outbox type of a per-endpoint delivery made when an event goes to more than one endpoint. */
export const WEBHOOK_DELIVERY_EVENT = 'webhook.delivery';

/** Retry policy for deliveries. */
export interface WebhookRetryPolicy {
  /** Attempts before an event is marked `failed`; default 8. */
  readonly maxAttempts?: number;
  /** First retry delay; doubled each attempt. Default 5 s. */
  readonly baseDelayMs?: number;
  /** Upper bound on a retry delay. Default 1 h. */
  readonly maxDelayMs?: number;
}

/** Options for {@link startWebhookDelivery}. */
export interface WebhookDeliveryOptions {
  readonly store: Store;
  readonly endpoints: readonly WebhookEndpoint[];
  /**
   * More endpoints, read at the start of every pass (the ones stored through the API), so a change reaches
   * every replica without a restart. While there is no endpoint at all, events wait in the outbox.
   */
  readonly loadEndpoints?: () => Promise<readonly WebhookEndpoint[]>;
  /** Identifies this replica in claims. */
  readonly owner: string;
  /** How often to poll the outbox; default 1 s. */
  readonly intervalMs?: number;
  /** How long a claim lasts; must exceed a delivery's timeout. Default 60 s. */
  readonly leaseMs?: number;
  /** Events per poll; default 20. */
  readonly batchSize?: number;
  /** Per-request timeout; default 10 s. */
  readonly timeoutMs?: number;
  readonly retry?: WebhookRetryPolicy;
  readonly transport?: Transport;
  readonly now?: () => number;
  /** Called with unexpected errors of a poll (the store being down); the worker keeps polling. */
  readonly onError?: (err: unknown) => void;
}

/** What one pass of the worker did. */
export interface WebhookPass {
  readonly claimed: number;
  readonly delivered: number;
  readonly failed: number;
  /** Events split into one delivery per endpoint. */
  readonly fannedOut: number;
}

/** A running delivery worker. */
export interface WebhookDelivery {
  /** Runs one pass now (claim, deliver, record). Passes never overlap. */
  runOnce(): Promise<WebhookPass>;
  /** Stops polling and waits for the pass in progress. */
  stop(): Promise<void>;
}

/** A UUID-shaped id derived from the event and endpoint, so splitting an event twice inserts nothing new. */
function deliveryId(eventId: string, endpointId: string): string {
  const hex = createHash('sha256').update(`${eventId}\n${endpointId}`).digest('hex');
  // Version 8 (custom) UUID layout, accepted by PostgreSQL's uuid type and any string column.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const DeliveryPayloadSchema = z.object({
  endpointId: z.string(),
  event: z.object({
    id: z.string(),
    type: z.string(),
    createdAt: z.number(),
    data: z.record(z.string(), z.unknown()),
  }),
});

function matches(endpoint: WebhookEndpoint, type: string): boolean {
  return endpoint.events === undefined || endpoint.events.includes(type);
}

/**
 * Starts the outbox delivery worker. Each pass claims due events (with a lease, so replicas split the work),
 * posts each as JSON with an `X-Keyway-Signature` header, and marks it delivered on a 2xx or reschedules it
 * with exponential backoff; after `maxAttempts` the event is marked `failed`. An event matching several
 * endpoints is first split into one delivery per endpoint, so a failing receiver never causes a working one
 * to receive duplicates.
 */
export function startWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const configured = parseWebhookEndpoints(options.endpoints);
  const now = options.now ?? Date.now;
  const transport = options.transport ?? httpTransport;
  const intervalMs = options.intervalMs ?? 1000;
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.retry?.maxAttempts ?? 8;
  const baseDelayMs = options.retry?.baseDelayMs ?? 5000;
  const maxDelayMs = options.retry?.maxDelayMs ?? 3_600_000;
  const { store } = options;

  const post = (endpoint: WebhookEndpoint, body: WebhookBody): Promise<string | undefined> =>
    postWebhook(endpoint, body, { transport, now, timeoutMs });

  async function fail(event: OutboxEvent, error: string): Promise<void> {
    // `attempts` counts earlier attempts; this one is attempt number attempts + 1.
    const attempt = event.attempts + 1;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await store.markEventFailed(event.id, {
      nextAttemptAt: attempt >= maxAttempts ? null : now() + delay,
      error,
    });
  }

  async function handle(
    event: OutboxEvent,
    endpoints: readonly WebhookEndpoint[],
  ): Promise<'delivered' | 'failed' | 'fanned_out'> {
    if (event.type === WEBHOOK_DELIVERY_EVENT) {
      const parsed = DeliveryPayloadSchema.safeParse(event.payload);
      const endpoint = parsed.success
        ? endpoints.find((candidate) => candidate.id === parsed.data.endpointId)
        : undefined;
      if (!parsed.success || !endpoint) {
        // The endpoint was removed from the configuration since the event was split: nobody to deliver to.
        await store.markEventFailed(event.id, {
          nextAttemptAt: null,
          error: 'endpoint no longer configured',
        });
        return 'failed';
      }
      const error = await post(endpoint, parsed.data.event);
      if (error === undefined) {
        await store.markEventDelivered(event.id, now());
        return 'delivered';
      }
      await fail(event, error);
      return 'failed';
    }

    const body: WebhookBody = {
      id: event.id,
      type: event.type,
      createdAt: event.createdAt,
      data: event.payload,
    };
    const targets = endpoints.filter((endpoint) => matches(endpoint, event.type));
    if (targets.length === 0) {
      await store.markEventDelivered(event.id, now());
      return 'delivered';
    }
    const [only] = targets;
    if (targets.length === 1 && only) {
      const error = await post(only, body);
      if (error === undefined) {
        await store.markEventDelivered(event.id, now());
        return 'delivered';
      }
      await fail(event, error);
      return 'failed';
    }
    for (const endpoint of targets) {
      try {
        await store.enqueueEvent({
          id: deliveryId(event.id, endpoint.id),
          type: WEBHOOK_DELIVERY_EVENT,
          payload: { endpointId: endpoint.id, event: { ...body } },
          instanceId: event.instanceId,
          connectionId: event.connectionId,
          nextAttemptAt: now(),
        });
      } catch (err) {
        // A worker that split this event before dying already inserted this delivery.
        if (!isKeywayError(err, 'KW_STORE_CONFLICT')) throw err;
      }
    }
    await store.markEventDelivered(event.id, now());
    return 'fanned_out';
  }

  async function pass(): Promise<WebhookPass> {
    const loaded = options.loadEndpoints ? await options.loadEndpoints() : [];
    // A configured endpoint wins over a stored one of the same id (the API refuses to create such a one).
    const endpoints = [...configured, ...loaded.filter((e) => !configured.some((c) => c.id === e.id))];
    if (endpoints.length === 0) return { claimed: 0, delivered: 0, failed: 0, fannedOut: 0 };
    const events = await store.claimOutboxEvents({
      now: now(),
      limit: batchSize,
      leaseMs,
      owner: options.owner,
    });
    const outcomes = await Promise.all(events.map((event) => handle(event, endpoints)));
    return {
      claimed: events.length,
      delivered: outcomes.filter((o) => o === 'delivered').length,
      failed: outcomes.filter((o) => o === 'failed').length,
      fannedOut: outcomes.filter((o) => o === 'fanned_out').length,
    };
  }

  return startPolling({ pass, intervalMs, onError: (err) => options.onError?.(err) });
}
