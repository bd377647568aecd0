/** Low-code connectors: one YAML or JSON file per connector, built into a standard spectral component bundle. */
export { buildConnector, connectorBundlePath, connectorEntry } from './build';
export type { BuildConnectorOptions } from './build';
export { connectorJsonSchema, ConnectorDefinitionSchema } from './definition';
export type { CompiledConnector, ConnectorDefinition } from './definition';
export { isConnectorFile } from './lazy';
export { loadConnectorFile, loadConnectorText } from './validate';
export { lowCodeComponent } from './runtime';
export type { LowCodeOptions } from './runtime';
export type { LoadConnectorOptions, LoadedConnector } from './validate';
