/**
 * The provider catalog (connections/catalog) as the runtime looks providers up, loaded on first use: a hundred
 * definitions parsed by zod are not something every `keyway` start should pay for.
 */
import type * as Catalog from '../../connections/catalog';
import type { ProviderLookup } from '../runtime';

let loaded: typeof Catalog | undefined;

/** The catalog provider with this key, or undefined. */
export const catalogLookup: ProviderLookup = (key) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  loaded ??= require('../../connections/catalog') as typeof Catalog;
  return Object.hasOwn(loaded.providers, key) ? loaded.providers[key] : undefined;
};
