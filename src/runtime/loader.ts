/**
 * Loads built spectral component bundles — ours or anyone's — the way Prismatic's tooling does: a CommonJS
 * file whose `module.exports.default` is the object `component({...})` returned. The shape is checked with
 * zod at this boundary, so the rest of the runtime can trust it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { WireConnectionSchema, WireInputSchema } from '../providers';
import type {
  ComponentManifest,
  LoadedComponent,
  ManifestConnection,
  ManifestEntry,
  ManifestInput,
  WireAction,
  WireConnection,
  WireInput,
  WireTriggerOrDataSource,
} from './types';

const performFunction = z.custom<(...args: unknown[]) => Promise<unknown>>(
  (value) => typeof value === 'function',
  { message: 'must be a function' },
);

const display = z.looseObject({ label: z.string(), description: z.string() });

const wireRunnable = z.looseObject({
  key: z.string().min(1),
  display,
  inputs: z.array(WireInputSchema),
  perform: performFunction,
});

/** The spectral wire format of a built component, as far as Keyway relies on it. */
export const ComponentBundleSchema = z.looseObject({
  key: z.string().min(1),
  display,
  actions: z.record(z.string(), wireRunnable).default({}),
  triggers: z.record(z.string(), wireRunnable).default({}),
  dataSources: z.record(z.string(), wireRunnable).default({}),
  connections: z.array(WireConnectionSchema).default([]),
});

/** Options for {@link loadComponentFromPath} and {@link loadComponentFromBytes}. */
export interface LoadOptions {
  /** Where bundles given as bytes are written before `require` (content-addressed). Default: os.tmpdir(). */
  readonly cacheDir?: string;
}

/**
 * Loads the component bundle at `path`, always from disk and never from a module cache, so a rebuilt bundle is
 * picked up without restarting.
 */
export function loadComponentFromPath(path: string): LoadedComponent {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new KeywayError('KW_COMPONENT_INVALID', {
      message: `Cannot read component bundle ${file}: ${(cause as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      cause,
      details: { path: file },
    });
  }
  return loadModule(file, bytes.toString('utf8'), hashOf(bytes));
}

/**
 * Loads a component bundle from its bytes (e.g. a bundle published into the store). The bytes are written to a
 * content-addressed file and required from there, so stack traces and `__dirname` behave as for a file.
 */
export function loadComponentFromBytes(bytes: Uint8Array, options: LoadOptions = {}): LoadedComponent {
  const hash = hashOf(bytes);
  const dir = join(options.cacheDir ?? join(tmpdir(), 'keyway-bundles'), hash.slice(0, 2));
  const file = join(dir, `${hash}.js`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, bytes, { mode: 0o600 });
  }
  return loadModule(file, Buffer.from(bytes).toString('utf8'), hash);
}

/**
 * Validates an already-required module's exports as a component. Exposed for callers that obtained the module
 * themselves; `bundleHash` identifies the code.
 */
export function componentFromExports(moduleExports: unknown, bundleHash: string): LoadedComponent {
  const candidate = pickDefault(moduleExports);
  refuseCodeNativeIntegration(candidate);
  const parsed = ComponentBundleSchema.safeParse(candidate);
  if (!parsed.success) {
    throw new KeywayError('KW_COMPONENT_INVALID', {
      message: `Not a valid spectral component: ${describeIssues(parsed.error)}`,
      details: {
        issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    });
  }
  const bundle = parsed.data;
  for (const [mapName, map] of [
    ['actions', bundle.actions],
    ['triggers', bundle.triggers],
    ['dataSources', bundle.dataSources],
  ] as const) {
    for (const [key, entry] of Object.entries(map)) {
      if (entry.key !== key) {
        throw new KeywayError('KW_COMPONENT_INVALID', {
          message: `Not a valid spectral component: ${mapName}.${key} has key "${entry.key}"`,
        });
      }
    }
  }
  const connections = new Map<string, WireConnection>();
  for (const connection of bundle.connections) {
    if (connections.has(connection.key)) {
      throw new KeywayError('KW_COMPONENT_INVALID', {
        message: `Not a valid spectral component: two connections have the key "${connection.key}"`,
      });
    }
    connections.set(connection.key, connection);
  }
  const actions = new Map(Object.entries(bundle.actions as Record<string, WireAction>));
  const triggers = new Map(Object.entries(bundle.triggers as Record<string, WireTriggerOrDataSource>));
  const dataSources = new Map(Object.entries(bundle.dataSources as Record<string, WireTriggerOrDataSource>));
  return {
    key: bundle.key,
    display: bundle.display,
    bundleHash,
    actions,
    triggers,
    dataSources,
    connections,
    manifest: toManifest(bundle.key, bundle.display, actions, triggers, dataSources, connections),
  };
}

/** The parts of node's CommonJS `Module` used to evaluate a bundle outside the module cache. */
interface CompilableModule {
  filename: string;
  paths: string[];
  loaded: boolean;
  exports: unknown;
  _compile(source: string, filename: string): void;
}
type ModuleClass = (new (id: string, parent: unknown) => CompilableModule) & {
  _nodeModulePaths(from: string): string[];
};

function loadModule(file: string, source: string, bundleHash: string): LoadedComponent {
  // Evaluate the bundle as a fresh CommonJS module of its own rather than through `require`: no module cache
  // (ours or a test runner's) can hand back an older build, and `__filename`/`__dirname` stay the bundle's.
  const ModuleCtor = Module as unknown as ModuleClass;
  const compiled = new ModuleCtor(file, null);
  compiled.filename = file;
  compiled.paths = ModuleCtor._nodeModulePaths(dirname(file));
  try {
    // A bundle is arbitrary code by design: running it is what the runtime is for.
    compiled._compile(source, file);
    compiled.loaded = true;
  } catch (cause) {
    throw new KeywayError('KW_COMPONENT_INVALID', {
      message: `The component bundle ${file} threw while loading: ${safeMessage(cause)}`,
      cause,
      details: { path: file },
    });
  }
  return componentFromExports(compiled.exports, bundleHash);
}

function pickDefault(moduleExports: unknown): unknown {
  if (typeof moduleExports === 'object' && moduleExports !== null && 'default' in moduleExports) {
    return moduleExports.default;
  }
  return moduleExports;
}

/**
 * spectral's `integration(...)` returns a component-shaped object carrying `codeNativeIntegrationYAML` (see
 * spectral's serverTypes/convertIntegration.js); an unconverted definition carries `flows`. Either one is an
 * integration, which has a different lifecycle (config pages, flows) from a component.
 */
function refuseCodeNativeIntegration(candidate: unknown): void {
  if (typeof candidate !== 'object' || candidate === null) return;
  const record = candidate as Record<string, unknown>;
  if (
    typeof record.codeNativeIntegrationYAML === 'string' ||
    Array.isArray(record.flows) ||
    record.isCodeNativeIntegration === true
  ) {
    throw new KeywayError('KW_COMPONENT_CODE_NATIVE', {
      message:
        'This bundle is a code-native integration built with spectral integration(...), not a component built with component(...); Keyway loads components only.',
    });
  }
}

function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'unknown problem';
  const path = first.path.map(String).join('.') || '(root)';
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${path}: ${first.message}${more}`;
}

function safeMessage(cause: unknown): string {
  const text =
    typeof cause === 'object' &&
    cause !== null &&
    typeof (cause as { message?: unknown }).message === 'string'
      ? (cause as { message: string }).message
      : String(cause);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function hashOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toManifestInput(input: WireInput): ManifestInput {
  const base = {
    key: input.key,
    label: input.label,
    type: input.type,
    required: input.required === true,
    shown: input.shown !== false,
  };
  // A password input's default may be a real secret (a shared client secret baked into a bundle).
  const withDefault =
    input.type === 'password' || input.default === undefined ? base : { ...base, default: input.default };
  return input.collection === undefined ? withDefault : { ...withDefault, collection: input.collection };
}

function toEntry(entry: WireAction | WireTriggerOrDataSource): ManifestEntry {
  return {
    key: entry.key,
    label: entry.display.label,
    description: entry.display.description,
    inputs: entry.inputs.map(toManifestInput),
  };
}

function toManifest(
  key: string,
  componentDisplay: { label: string; description: string },
  actions: ReadonlyMap<string, WireAction>,
  triggers: ReadonlyMap<string, WireTriggerOrDataSource>,
  dataSources: ReadonlyMap<string, WireTriggerOrDataSource>,
  connections: ReadonlyMap<string, WireConnection>,
): ComponentManifest {
  const manifestConnections: ManifestConnection[] = [...connections.values()].map((c) => ({
    key: c.key,
    label: c.label,
    ...(c.oauth2Type ? { oauth2Type: c.oauth2Type } : {}),
    ...(c.oauth2PkceMethod ? { oauth2PkceMethod: c.oauth2PkceMethod } : {}),
    inputs: c.inputs.map(toManifestInput),
  }));
  return {
    key,
    display: { label: componentDisplay.label, description: componentDisplay.description },
    actions: [...actions.values()].map(toEntry),
    triggers: [...triggers.values()].map(toEntry),
    dataSources: [...dataSources.values()].map(toEntry),
    connections: manifestConnections,
  };
}
