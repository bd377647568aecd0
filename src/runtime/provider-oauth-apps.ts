/**
 * OAuth apps per catalog provider: a platform registers its app once for a provider (`github`, `salesforce`),
 * and every component connection definition built on that provider (`toSpectralConnection(github)` records the
 * provider in the hidden `keywayProvider` input) inherits it — unless the component's definition has an app of
 * its own (./oauth-apps), which always wins.
 *
 * Inheriting works as for a definition's app: the values are written into each connection's encrypted secret
 * fields, so an action run or a refresh costs nothing more.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';
import { ClientAuthMethodSchema, ENVIRONMENT_INPUT, HIDDEN_INPUTS } from '../providers';
import type { ProviderDefinition } from '../providers';
import type { JsonObject, ProviderOAuthApp, Store } from '../store';
import { oauthAppValues, providerKeyOf, providerValuesFor } from './app-values';
import type { ComponentRegistry } from './components';
import { applyToConnections, invalid } from './oauth-apps';
import type { WireConnection } from './types';

/** The catalog: the provider definition with this key, or undefined (the CLI passes connections/catalog). */
export type ProviderLookup = (key: string) => ProviderDefinition | undefined;

/** What registering a provider app needs. */
export interface ProviderOAuthAppDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly providers: ProviderLookup;
}

/** The request to register a provider's app, as the API and the CLI give it. */
export const ProviderOAuthAppSpecSchema = z.strictObject({
  providerKey: z.string().min(1).max(200),
  /** `clientId`, `clientSecret`, and optionally `scopes`, `environment`, the provider's own fields. */
  fields: z
    .record(z.string().min(1).max(200), z.string().max(10_000))
    .refine((fields) => Object.keys(fields).length > 0, 'give at least one field (e.g. clientId)'),
});
/** Input of {@link registerProviderOAuthApp}. */
export type ProviderOAuthAppSpec = z.input<typeof ProviderOAuthAppSpecSchema>;

/** A provider app as it may be shown anywhere: its secret values replaced by their names. */
export interface ProviderOAuthAppView {
  readonly providerKey: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Names of the secret fields the app sets; their values are never shown. */
  readonly secretFields: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The safe view of a stored provider app. */
export function providerOAuthAppView(app: ProviderOAuthApp): ProviderOAuthAppView {
  return {
    providerKey: app.providerKey,
    fields: app.fields,
    secretFields: Object.keys(app.secretFields).sort(),
    createdAt: app.createdAt,
    updatedAt: app.updatedAt,
  };
}

/** The provider, or `KW_PROVIDER_UNKNOWN`. */
function requireProvider(providers: ProviderLookup, key: string): ProviderDefinition {
  const provider = providers(key);
  if (!provider) {
    throw new KeywayError('KW_PROVIDER_UNKNOWN', {
      message: `No catalog provider "${key}"; see docs/providers.md for the keys`,
      details: { provider: key },
    });
  }
  return provider;
}

/**
 * Splits the app's values into plain and secret ones. A provider app sets the client (`clientId`,
 * `clientSecret`, `keywayClientAuthMethod`), the `scopes`, the `environment` and the provider's own fields —
 * nothing else: URLs and quirks are the definition's data.
 */
function splitProviderFields(
  provider: ProviderDefinition,
  fields: Readonly<Record<string, string>>,
): { fields: JsonObject; secretFields: JsonObject } {
  const plain: JsonObject = {};
  const secret: JsonObject = {};
  const environments = provider.environments ? Object.keys(provider.environments.options) : [];
  for (const [key, value] of Object.entries(fields)) {
    const own = Object.hasOwn(provider.fields, key) ? provider.fields[key] : undefined;
    if (key === 'clientSecret' || own?.type === 'password') {
      secret[key] = value;
      continue;
    }
    if (key === ENVIRONMENT_INPUT && !environments.includes(value)) {
      throw invalid(
        environments.length === 0
          ? `Provider "${provider.key}" has no environments`
          : `Environment "${value}" is not one of provider "${provider.key}"'s: ${environments.join(', ')}`,
        key,
      );
    }
    if (key === HIDDEN_INPUTS.clientAuthMethod && !ClientAuthMethodSchema.safeParse(value).success) {
      throw invalid(`${key} must be one of ${ClientAuthMethodSchema.options.join(', ')}`, key);
    }
    const allowed = ['clientId', 'scopes', ENVIRONMENT_INPUT, HIDDEN_INPUTS.clientAuthMethod];
    if (own === undefined && !allowed.includes(key)) {
      const fieldNames = Object.keys(provider.fields);
      throw invalid(
        `A provider app sets clientId, clientSecret, scopes, ${HIDDEN_INPUTS.clientAuthMethod}${environments.length > 0 ? ', environment' : ''}${fieldNames.length > 0 ? ` or a field of "${provider.key}" (${fieldNames.join(', ')})` : ''}, not "${key}"; set anything else on the component's definition (POST /api/oauth-apps)`,
        key,
      );
    }
    plain[key] = value;
  }
  return { fields: plain, secretFields: secret };
}

/**
 * The definitions bound to some connection that are built on `providerKey` and have no app of their own: the
 * ones that inherit the provider's app. A component that can no longer be loaded is skipped.
 */
async function inheritingDefinitions(
  deps: Omit<ProviderOAuthAppDeps, 'providers'>,
  providerKey: string,
): Promise<{ componentKey: string; definition: WireConnection }[]> {
  const found: { componentKey: string; definition: WireConnection }[] = [];
  for (const bound of await deps.store.providerOAuthApps.boundDefinitions()) {
    const definition = await deps.components
      .get(bound.componentKey)
      .then((component) => component.connections.get(bound.definitionKey))
      .catch(() => undefined);
    if (!definition || providerKeyOf(definition) !== providerKey) continue;
    if (await deps.store.oauthApps.get(bound.componentKey, bound.definitionKey)) continue;
    found.push({ componentKey: bound.componentKey, definition });
  }
  return found;
}

/** Rewrites the connections of every inheriting definition from the `previous` app's values to `next`'s. */
async function rewriteInheriting(
  deps: Omit<ProviderOAuthAppDeps, 'providers'>,
  providerKey: string,
  previous: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
): Promise<number> {
  let updated = 0;
  for (const { componentKey, definition } of await inheritingDefinitions(deps, providerKey)) {
    updated += await applyToConnections(
      deps.store,
      { componentKey, definitionKey: definition.key },
      providerValuesFor(definition, previous),
      providerValuesFor(definition, next),
    );
  }
  return updated;
}

/**
 * Registers (or replaces) the platform's OAuth app of a catalog provider and writes it into every connection of
 * every definition built on the provider that has no app of its own. The values are checked before anything is
 * written.
 * @throws KeywayError `KW_PROVIDER_UNKNOWN` for a provider not in the catalog; `KW_CONNECTION_INVALID` for a
 *   field a provider app cannot set or an unknown environment.
 */
export async function registerProviderOAuthApp(
  deps: ProviderOAuthAppDeps,
  spec: ProviderOAuthAppSpec,
): Promise<{ readonly app: ProviderOAuthAppView; readonly connectionsUpdated: number }> {
  const parsed = ProviderOAuthAppSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(
      `Invalid OAuth app: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`,
    );
  }
  const provider = requireProvider(deps.providers, parsed.data.providerKey);
  const split = splitProviderFields(provider, parsed.data.fields);
  const previous = oauthAppValues(await deps.store.providerOAuthApps.get(provider.key));
  const app = await deps.store.providerOAuthApps.put({ providerKey: provider.key, ...split });
  const connectionsUpdated = await rewriteInheriting(deps, provider.key, previous, oauthAppValues(app));
  return { app: providerOAuthAppView(app), connectionsUpdated };
}

/**
 * Removes a provider's app and its values from the connections that inherited it (definitions with an app of
 * their own keep theirs).
 * @throws KeywayError `KW_STORE_NOT_FOUND` when the provider has no app.
 */
export async function removeProviderOAuthApp(
  deps: Omit<ProviderOAuthAppDeps, 'providers'>,
  providerKey: string,
): Promise<{ readonly connectionsUpdated: number }> {
  const previous = oauthAppValues(await deps.store.providerOAuthApps.get(providerKey));
  await deps.store.providerOAuthApps.delete(providerKey);
  return { connectionsUpdated: await rewriteInheriting(deps, providerKey, previous, {}) };
}
