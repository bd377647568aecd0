/**
 * Provider definitions as data, the helper that turns one into a spectral connection, and its inverse.
 * Components import from here (`../../../connections`); the runtime uses {@link resolveConnection}.
 */
import { KeywayError } from '../src/errors';
import { github } from './github';
import { proximie } from './proximie';
import { salesforce } from './salesforce';
import { sandbox } from './sandbox';
import type { ProviderDefinition } from './schema';
import { slack } from './slack';
import { spotify } from './spotify';

export * from './schema';
export * from './spectral';
export * from './resolve';
export { github, proximie, salesforce, sandbox, slack, spotify };

/** Every shipped provider, by key. */
export const providers: Readonly<Record<string, ProviderDefinition>> = Object.freeze({
  [github.key]: github,
  [salesforce.key]: salesforce,
  [slack.key]: slack,
  [spotify.key]: spotify,
  [proximie.key]: proximie,
  [sandbox.key]: sandbox,
});

/**
 * The shipped provider with this key.
 * @throws KeywayError `KW_PROVIDER_UNKNOWN` listing the known keys.
 */
export function getProvider(key: string): ProviderDefinition {
  const provider = Object.hasOwn(providers, key) ? providers[key] : undefined;
  if (!provider) {
    throw new KeywayError('KW_PROVIDER_UNKNOWN', {
      message: `No provider "${key}"; known providers: ${Object.keys(providers).join(', ')}`,
      details: { provider: key },
    });
  }
  return provider;
}
