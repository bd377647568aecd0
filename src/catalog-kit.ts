/**
 * `keyway/catalog`: every provider of Keyway's catalog (connections/catalog, listed in docs/providers.md), for a
 * connector package built on one that `keyway/providers` does not export by name:
 * `toSpectralConnection(getProvider('hubspot'), { grantType: 'authorization_code' })`. A separate entry because a
 * component bundles what it imports, and only a component that wants the catalog should carry all of it.
 */
export { catalog, getProvider, providers } from '../connections/catalog';
