/**
 * Platform-owned OAuth apps: a platform registers its OAuth app (client id, client secret, optional overrides
 * such as the token URL or the scopes) once per connection definition of a component, and every connection
 * bound to that definition inherits it — the ones created afterwards and the ones that already exist.
 *
 * Inheriting means the app's values are written into each connection's encrypted secret fields, where the
 * runtime reads every field from (so an action run or a refresh costs nothing more). Registering or replacing an
 * app rewrites those connections (one write each); a customer can never set a field the app owns (instance
 * creation and updates refuse it, the connect page does not ask for it).
 */
import { z } from 'zod';
// Not the connections index: it loads spectral, which the runtime does not need.
import { CONNECTION_OVERRIDES, HIDDEN_INPUTS } from '../providers';
import { KeywayError } from '../errors';
import type { JsonObject, OAuthApp, Store } from '../store';
import { inheritedApp, oauthAppValues } from './app-values';
import type { ComponentRegistry } from './components';
import { grantTypeOf } from './instances';
import type { WireConnection } from './types';

/** What registering an app needs. */
export interface OAuthAppDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
}

/** The request to register an app, as the API and the CLI give it. */
export const OAuthAppSpecSchema = z.strictObject({
  componentKey: z.string().min(1).max(200),
  /** Defaults to the component's only connection definition. */
  definitionKey: z.string().min(1).max(200).optional(),
  /** Values for the definition's inputs: `clientId`, `clientSecret`, and overrides (`tokenUrl`, `scopes`, …). */
  fields: z
    .record(z.string().min(1).max(200), z.string().max(10_000))
    .refine((fields) => Object.keys(fields).length > 0, 'give at least one field (e.g. clientId)'),
});
/** Input of {@link registerOAuthApp}. */
export type OAuthAppSpec = z.input<typeof OAuthAppSpecSchema>;

/** An app as it may be shown anywhere: its secret values replaced by their names. */
export interface OAuthAppView {
  readonly componentKey: string;
  readonly definitionKey: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Names of the secret fields the app sets; their values are never shown. */
  readonly secretFields: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The safe view of a stored app. */
export function oauthAppView(app: OAuthApp): OAuthAppView {
  return {
    componentKey: app.componentKey,
    definitionKey: app.definitionKey,
    fields: app.fields,
    secretFields: Object.keys(app.secretFields).sort(),
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

export { oauthAppValues };

/** Hidden inputs that carry a provider's quirks: definition data, not a platform's setting. */
function isQuirkInput(key: string): boolean {
  return (Object.values(HIDDEN_INPUTS) as string[]).includes(key) && !CONNECTION_OVERRIDES.includes(key);
}

/** A `KW_CONNECTION_INVALID` naming the field; shared with the provider apps (./provider-oauth-apps). */
export function invalid(message: string, field?: string): KeywayError {
  return new KeywayError('KW_CONNECTION_INVALID', { message, ...(field ? { details: { field } } : {}) });
}

function pickDefinition(
  definitions: ReadonlyMap<string, WireConnection>,
  componentKey: string,
  key: string | undefined,
): WireConnection {
  const found = key === undefined ? [...definitions.values()] : [definitions.get(key)];
  const [definition] = found;
  if (found.length !== 1 || definition === undefined) {
    throw invalid(
      key === undefined
        ? `Component "${componentKey}" has ${definitions.size} connection definitions; say which one with definitionKey (it has: ${[...definitions.keys()].join(', ')})`
        : `Component "${componentKey}" has no connection definition "${key}" (it has: ${[...definitions.keys()].join(', ') || 'none'})`,
    );
  }
  return definition;
}

/** Splits the app's values into plain and secret ones, refusing any the definition does not let a platform set. */
function splitFields(
  definition: WireConnection,
  fields: Readonly<Record<string, string>>,
): { fields: JsonObject; secretFields: JsonObject } {
  const inputs = new Map(definition.inputs.map((input) => [input.key, input]));
  const plain: JsonObject = {};
  const secret: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    const input = inputs.get(key);
    if (input === undefined && !CONNECTION_OVERRIDES.includes(key)) {
      throw invalid(`Connection definition "${definition.key}" has no field "${key}"`, key);
    }
    if (input?.type === 'template') {
      throw new KeywayError('KW_CONNECTION_TEMPLATE_SET', {
        message: `Field "${key}" of "${definition.key}" is a template (${String(input.default)}), computed from the other fields; set those fields instead`,
        details: { field: key },
      });
    }
    if (isQuirkInput(key)) {
      throw invalid(
        `Field "${key}" is provider data carried by the definition, not a setting of the app`,
        key,
      );
    }
    if (input?.type === 'password') secret[key] = value;
    else plain[key] = value;
  }
  return { fields: plain, secretFields: secret };
}

/**
 * Writes `values` into every connection of the definition, after removing what the previously inherited app
 * set (`previous`, its values): the app owns those fields now, so a customer's earlier value for one goes too.
 */
export async function applyToConnections(
  store: Store,
  app: { readonly componentKey: string; readonly definitionKey: string },
  previous: Readonly<Record<string, unknown>>,
  values: Readonly<Record<string, unknown>>,
): Promise<number> {
  const owned = new Set([...Object.keys(previous), ...Object.keys(values)]);
  const without = (object: JsonObject): JsonObject =>
    Object.fromEntries(Object.entries(object).filter(([key]) => !owned.has(key)));
  const ids = await store.oauthApps.connectionIds(app.componentKey, app.definitionKey);
  let updated = 0;
  for (const id of ids) {
    const connection = await store.getConnection(id);
    if (!connection) continue;
    await store.updateConnection(id, {
      fields: without(connection.fields),
      secretFields: { ...without(connection.secretFields), ...values },
    });
    updated++;
  }
  return updated;
}

/**
 * Registers (or replaces) the platform's OAuth app of a component's connection definition and writes it into
 * every connection bound to it. The values are checked against the definition before anything is written.
 * @throws KeywayError `KW_CONNECTION_INVALID` for an unknown definition or field, or a connection without
 *   OAuth; `KW_CONNECTION_TEMPLATE_SET` for a template field; the registry's error for an unknown component.
 */
export async function registerOAuthApp(
  deps: OAuthAppDeps,
  spec: OAuthAppSpec,
): Promise<{ readonly app: OAuthAppView; readonly connectionsUpdated: number }> {
  const parsed = OAuthAppSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      `Invalid OAuth app: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`,
    );
  }
  const input = parsed.data;
  const component = await deps.components.get(input.componentKey);
  const definition = pickDefinition(component.connections, component.key, input.definitionKey);
  if (grantTypeOf(definition) === 'none') {
    throw invalid(`Connection definition "${definition.key}" does not use OAuth, so it takes no OAuth app`);
  }
  const split = splitFields(definition, input.fields);
  // What the connections inherited until now: an earlier app of the definition, or its provider's.
  const previous = (await inheritedApp(deps.store, component.key, definition)).values;
  const app = await deps.store.oauthApps.put({
    componentKey: component.key,
    definitionKey: definition.key,
    ...split,
  });
  const connectionsUpdated = await applyToConnections(deps.store, app, previous, oauthAppValues(app));
  return { app: oauthAppView(app), connectionsUpdated };
}

/**
 * Removes a definition's app and its values from every connection bound to it. They inherit the app of the
 * definition's provider when there is one; otherwise they need a client id again (from a new app, or from the
 * customer where the definition lets them supply one).
 * @throws KeywayError `KW_STORE_NOT_FOUND` when the definition has no app.
 */
export async function removeOAuthApp(
  deps: OAuthAppDeps,
  componentKey: string,
  definitionKey: string,
): Promise<{ readonly connectionsUpdated: number }> {
  const previous: OAuthApp | undefined = await deps.store.oauthApps.get(componentKey, definitionKey);
  await deps.store.oauthApps.delete(componentKey, definitionKey);
  const definition = await deps.components
    .get(componentKey)
    .then((component) => component.connections.get(definitionKey))
    // A component that can no longer be loaded has no provider to fall back to.
    .catch(() => undefined);
  const fallback = definition ? (await inheritedApp(deps.store, componentKey, definition)).values : {};
  const connectionsUpdated = await applyToConnections(
    deps.store,
    { componentKey, definitionKey },
    oauthAppValues(previous),
    fallback,
  );
  return { connectionsUpdated };
}
