/**
 * Helpers for component tests: load a built bundle the way the runtime does (require its dist/index.js) and
 * build the connection value an action receives, as spectral's `testing.createConnection` does, with the
 * inputs' defaults filled in first (the runtime does that; spectral does not).
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/** The parts of a built spectral component these tests use. */
export interface BuiltComponent {
  readonly key: string;
  readonly display: { readonly label: string; readonly description: string };
  readonly actions: Record<
    string,
    {
      readonly key: string;
      readonly inputs: unknown[];
      readonly perform: (...args: unknown[]) => Promise<unknown>;
    }
  >;
  /** Data sources as the bundle has them (`perform(context, params)`); absent when it has none. */
  readonly dataSources?: Record<
    string,
    {
      readonly key: string;
      readonly dataSourceType: string;
      readonly perform: (...args: unknown[]) => Promise<unknown>;
    }
  >;
  readonly connections: Array<{
    readonly key: string;
    readonly oauth2Type?: string;
    readonly oauth2PkceMethod?: string;
    readonly inputs: Array<{
      readonly key: string;
      readonly type: string;
      readonly default?: unknown;
      readonly shown?: boolean;
    }>;
  }>;
}

const load = createRequire(__filename);

/** Requires `components/<name>/dist/index.js` afresh and returns its default export. */
export function loadBuiltComponent(name: string): BuiltComponent {
  const file = resolve(__dirname, '..', '..', 'components', name, 'dist', 'index.js');
  delete load.cache[file];
  const exported = load(file) as { default?: BuiltComponent };
  if (!exported.default) throw new Error(`${file} has no default export`);
  return exported.default;
}

/** A spectral connection value for `connectionKey` of `component`, defaults filled, `overrides` applied. */
export function connectionValue(
  component: BuiltComponent,
  connectionKey: string,
  overrides: Record<string, string>,
  token: Record<string, unknown>,
): { key: string; configVarKey: string; fields: Record<string, unknown>; token: Record<string, unknown> } {
  const definition = component.connections.find((c) => c.key === connectionKey);
  if (!definition) throw new Error(`no connection ${connectionKey}`);
  const fields: Record<string, unknown> = {};
  for (const input of definition.inputs) {
    if (input.default !== undefined && input.default !== '') fields[input.key] = input.default;
  }
  return { key: definition.key, configVarKey: 'Test connection', fields: { ...fields, ...overrides }, token };
}
