/**
 * `keyway/providers`: what a connector author builds connections with — `defineProvider` (a provider definition
 * as data, validated), `toSpectralConnection` (the spectral connection definition Keyway's runtime reads back),
 * the provider schema and types, and a few ready providers, among them `sandbox` (Keyway's local authorization
 * server, for tests). A separate entry from `keyway` because it loads spectral, which the runtime never needs.
 */
export * from '../connections';
