/**
 * The audit record of a change made from the command line. The CLI changes the store directly, not through
 * `/api`, so each changing command runs its change through {@link audited}: once the change is made, one entry goes
 * into the same audit log `GET /api/audit` reads, named as the API names the equivalent change (its route's
 * `<METHOD> <path>`, target and success status) and made by the actor {@link cliActor}. A change that fails writes
 * nothing. Entries hold ids and names, never a secret.
 */
import { userInfo } from 'node:os';
import { toKeywayError } from './output';
import { redactText } from '../redact';
import type { NewAuditEntry, Store } from '../store';

/**
 * The API operations (by OpenAPI `operationId`) the CLI performs, with the route that performs them over HTTP
 * and the status it answers on success. test/cli/audit.test.ts checks each against the OpenAPI document.
 */
export const CLI_AUDITED_OPERATIONS = {
  publishComponent: { action: 'POST /api/components', status: 201 },
  createCustomer: { action: 'POST /api/customers', status: 201 },
  deleteCustomer: { action: 'DELETE /api/customers/:id', status: 204 },
  createInstance: { action: 'POST /api/instances', status: 201 },
  updateInstance: { action: 'PATCH /api/instances/:id', status: 200 },
  deleteInstance: { action: 'DELETE /api/instances/:id', status: 204 },
  activateConnection: { action: 'POST /api/instances/:id/connections/:name/activate', status: 200 },
  createConnectLink: { action: 'POST /api/instances/:id/connect-links', status: 201 },
  createApiKey: { action: 'POST /api/api-keys', status: 201 },
  revokeApiKey: { action: 'POST /api/api-keys/:id/revoke', status: 200 },
  putOAuthApp: { action: 'POST /api/oauth-apps', status: 200 },
  deleteOAuthApp: { action: 'DELETE /api/oauth-apps/:componentKey/:definitionKey', status: 200 },
  putProviderOAuthApp: { action: 'POST /api/provider-oauth-apps', status: 200 },
  deleteProviderOAuthApp: { action: 'DELETE /api/provider-oauth-apps/:providerKey', status: 200 },
  enableTrigger: { action: 'POST /api/instances/:id/triggers', status: 201 },
  retryTrigger: { action: 'POST /api/triggers/:id/retry', status: 200 },
  disableTrigger: { action: 'DELETE /api/triggers/:id', status: 204 },
  createWebhookEndpoint: { action: 'POST /api/webhooks', status: 201 },
  deleteWebhookEndpoint: { action: 'DELETE /api/webhooks/:id', status: 204 },
  testWebhookEndpoint: { action: 'POST /api/webhooks/:id/test', status: 200 },
} as const satisfies Readonly<Record<string, { readonly action: string; readonly status: number }>>;

/** An operation the CLI records; see {@link CLI_AUDITED_OPERATIONS}. */
export type CliOperation = keyof typeof CLI_AUDITED_OPERATIONS;

/** `actorKeyId` of every entry the CLI writes: no API key is involved, and no key id looks like it. */
export const CLI_ACTOR_KEY_ID = 'cli';

/**
 * Who made a change from the command line: `cli:<the operating-system user>` (`cli:unknown` when the process has
 * no user name, e.g. a container user with no passwd entry).
 */
export function cliActor(env: NodeJS.ProcessEnv = process.env): { actorKeyId: string; actorName: string } {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    user = env['USER'] ?? env['LOGNAME'];
  }
  return { actorKeyId: CLI_ACTOR_KEY_ID, actorName: `cli:${user?.trim() || 'unknown'}` };
}

/** The entry recording `operation` on `target`, made from the command line. */
export function cliAuditEntry(operation: CliOperation, target: string | null): NewAuditEntry {
  const { action, status } = CLI_AUDITED_OPERATIONS[operation];
  return { ...cliActor(), action, target, status };
}

/**
 * Runs `change`, then records it as `operation` on the target `targetOf` names from its result: the API's target
 * for the same change (`auditTarget` in src/server/api/route.ts), i.e. the resource in the route's path, else the
 * one it returns — an id, or the keys of what has none (`componentKey/definitionKey`, `providerKey`, a component's
 * `key`). A change that throws records
 * nothing. A change made whose record cannot be written is not undone and the command does not fail (so that it
 * is not retried): a warning on stderr says so, as the API logs it.
 */
export async function audited<T>(
  store: Store,
  operation: CliOperation,
  change: () => Promise<T>,
  targetOf: (result: T) => string | null,
): Promise<T> {
  const result = await change();
  await recordCliChange(store, operation, targetOf(result));
  return result;
}

/** Records `operation` on `target`, a change already made; see {@link audited}. */
export async function recordCliChange(
  store: Store,
  operation: CliOperation,
  target: string | null,
): Promise<void> {
  const entry = cliAuditEntry(operation, target);
  try {
    await store.admin.appendAudit(entry);
  } catch (err) {
    const error = toKeywayError(err);
    process.stderr.write(
      `warning ${error.code}: the change is made, but its audit record (${entry.action}) was not written: ${redactText(error.message)}\n`,
    );
  }
}
