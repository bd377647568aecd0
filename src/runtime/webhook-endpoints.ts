/**
 * Managing webhook endpoints: the ones the deployment's configuration names (read-only here) and the ones stored
 * as rows (added and removed at run time, seen by every replica without a restart). The REST API
 * (`/api/webhooks`) and the CLI (`keyway webhooks`) both work through these functions, so the two cannot differ.
 * A listing never holds a secret; a generated signing secret is returned once, by {@link createWebhookEndpoint}.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { Transport } from '../oauth';
import type { Store, StoredWebhookEndpoint } from '../store';
import { WebhookEndpointSchema, postWebhook } from './webhooks';
import type { WebhookEndpoint } from './webhooks';

/** What the endpoint functions work on: the store, and the endpoints the configuration names. */
export interface WebhookEndpointDeps {
  readonly store: Store;
  /** Endpoints from the deployment's configuration: listed and testable, never created or removed here. */
  readonly configured: readonly WebhookEndpoint[];
  readonly now?: () => number;
  /** How a test event is posted; the real HTTP transport when omitted. */
  readonly transport?: Transport;
}

/** An endpoint as it is listed: no secret, and where it comes from. */
export interface WebhookEndpointListing {
  readonly id: string;
  readonly url: string;
  /** Event types sent to it; every type when absent. */
  readonly events?: string[];
  readonly source: 'config' | 'api';
}

/** A new stored endpoint: the id (`wh_…`) and the signing secret (`whsec_…`) are generated when omitted. */
export const NewWebhookEndpointSchema = z.strictObject({
  id: WebhookEndpointSchema.shape.id.optional(),
  url: WebhookEndpointSchema.shape.url,
  events: z.array(z.string().min(1).max(100)).min(1).max(50).optional(),
  secret: WebhookEndpointSchema.shape.secret.optional(),
});
/** Input of {@link createWebhookEndpoint}, as {@link NewWebhookEndpointSchema} parses it. */
export interface NewWebhookEndpointInput {
  readonly id?: string | undefined;
  readonly url: string;
  readonly events?: readonly string[] | undefined;
  readonly secret?: string | undefined;
}

/** What a test event came to: delivered (a 2xx), or why not (a status or an error code, never a body). */
export interface WebhookTestResult {
  readonly delivered: boolean;
  readonly error: string | null;
}

function listing(endpoint: WebhookEndpoint, source: 'config' | 'api'): WebhookEndpointListing {
  return {
    id: endpoint.id,
    url: endpoint.url,
    ...(endpoint.events ? { events: endpoint.events } : {}),
    source,
  };
}

function fromRow(row: StoredWebhookEndpoint): WebhookEndpoint {
  return { id: row.id, url: row.url, secret: row.secret, ...(row.events ? { events: [...row.events] } : {}) };
}

async function storedEndpoint(store: Store, id: string): Promise<WebhookEndpoint | undefined> {
  const row = await store.admin.getWebhookEndpoint(id);
  return row ? fromRow(row) : undefined;
}

function configuredConflict(id: string, advice: string): KeywayError {
  return new KeywayError('KW_STORE_CONFLICT', {
    message: `The webhook endpoint "${id}" comes from the deployment's configuration; ${advice}.`,
  });
}

/** Every endpoint: the configured ones, then the stored ones, without secrets. */
export async function listWebhookEndpoints(deps: WebhookEndpointDeps): Promise<WebhookEndpointListing[]> {
  const stored = await deps.store.admin.listWebhookEndpoints();
  return [
    ...deps.configured.map((endpoint) => listing(endpoint, 'config')),
    ...stored.map((row) => listing(fromRow(row), 'api')),
  ];
}

/**
 * Stores a new endpoint (every replica delivers to it from its next pass) and returns it with its signing
 * secret, the only time the secret is shown. An id the configuration or the store already has is
 * `KW_STORE_CONFLICT`.
 */
export async function createWebhookEndpoint(
  deps: WebhookEndpointDeps,
  input: NewWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpointListing; secret: string }> {
  const id = input.id ?? `wh_${randomBytes(6).toString('hex')}`;
  if (deps.configured.some((endpoint) => endpoint.id === id)) {
    throw configuredConflict(id, 'choose another id');
  }
  const secret = input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  const stored = await deps.store.admin.createWebhookEndpoint({
    id,
    url: input.url,
    secret,
    events: input.events ?? null,
  });
  return { endpoint: listing(fromRow(stored), 'api'), secret };
}

/**
 * Removes a stored endpoint; false when there is none with this id. A configured one is `KW_STORE_CONFLICT`: it
 * is removed from the configuration.
 */
export async function deleteWebhookEndpoint(deps: WebhookEndpointDeps, id: string): Promise<boolean> {
  if (deps.configured.some((endpoint) => endpoint.id === id)) {
    throw configuredConflict(id, 'remove it there');
  }
  if (!(await deps.store.admin.getWebhookEndpoint(id))) return false;
  await deps.store.admin.deleteWebhookEndpoint(id);
  return true;
}

/**
 * Posts a signed `webhook.test` event (`data: { endpointId }`) to the endpoint now, configured or stored, once
 * and without retry; undefined when there is no endpoint with this id.
 */
export async function testWebhookEndpoint(
  deps: WebhookEndpointDeps,
  id: string,
): Promise<WebhookTestResult | undefined> {
  const endpoint = deps.configured.find((e) => e.id === id) ?? (await storedEndpoint(deps.store, id));
  if (!endpoint) return undefined;
  const now = deps.now ?? Date.now;
  const error = await postWebhook(
    endpoint,
    {
      id: `test_${randomBytes(8).toString('hex')}`,
      type: 'webhook.test',
      createdAt: now(),
      data: { endpointId: id },
    },
    { now, ...(deps.transport ? { transport: deps.transport } : {}) },
  );
  return { delivered: error === undefined, error: error ?? null };
}
