/**
 * Which platform OAuth app a connection definition inherits: its own (registered for the component's
 * definition) or, when it has none, the one registered for the catalog provider it is built on. The definition's
 * own app always wins; a provider app sets only the inputs the definition has.
 */
// Not the connections index: it loads spectral, which the runtime does not need.
import { CONNECTION_OVERRIDES, HIDDEN_INPUTS } from '../providers';
import type { OAuthApp, ProviderOAuthApp, Store } from '../store';
import type { WireConnection } from './types';

/** The values a definition inherits from the platform, and whose app they come from. */
export interface InheritedApp {
  /** `definition`: the component definition's own app; `provider`: its provider's; `none`: no app. */
  readonly source: 'definition' | 'provider' | 'none';
  /** Every value the app sets, secret or not: what the definition's connections hold and a customer cannot set. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** Every value an app sets, secret or not: what its connections inherit. */
export function oauthAppValues(app: OAuthApp | ProviderOAuthApp | undefined): Record<string, unknown> {
  return app ? { ...app.fields, ...app.secretFields } : {};
}

/** The catalog provider a definition was built from (`toSpectralConnection` records it), if any. */
export function providerKeyOf(definition: WireConnection): string | undefined {
  const input = definition.inputs.find((candidate) => candidate.key === HIDDEN_INPUTS.provider);
  return typeof input?.default === 'string' && input.default !== '' ? input.default : undefined;
}

/**
 * A provider app's values that apply to one definition built on the provider: those of inputs it declares (or
 * the connection overrides), never a template (computed from the other fields).
 */
export function providerValuesFor(
  definition: WireConnection,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const inputs = new Map(definition.inputs.map((input) => [input.key, input]));
  return Object.fromEntries(
    Object.entries(values).filter(([key]) => {
      const input = inputs.get(key);
      return input === undefined ? CONNECTION_OVERRIDES.includes(key) : input.type !== 'template';
    }),
  );
}

/** The app a component's connection definition inherits; see {@link InheritedApp}. */
export async function inheritedApp(
  store: Store,
  componentKey: string,
  definition: WireConnection,
): Promise<InheritedApp> {
  const own = await store.oauthApps.get(componentKey, definition.key);
  if (own) return { source: 'definition', values: oauthAppValues(own) };
  const providerKey = providerKeyOf(definition);
  const app = providerKey === undefined ? undefined : await store.providerOAuthApps.get(providerKey);
  if (!app) return { source: 'none', values: {} };
  return { source: 'provider', values: providerValuesFor(definition, oauthAppValues(app)) };
}
