/**
 * The runtime's component registry: bundles loaded from disk or published into the store, indexed by key.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KeywayError } from '../errors';
import type { PublishedComponent, Store } from '../store';
import { componentFromExports, loadComponentFromBytes, loadComponentFromPath } from './loader';
import type { LoadOptions } from './loader';
import type { LoadedComponent } from './types';

/**
 * Holds the components the runtime can run. Components registered in memory win; otherwise the latest version
 * published in the store is loaded (and cached by bundle hash, so a new publish is picked up).
 */
export class ComponentRegistry {
  readonly #store: Store | undefined;
  readonly #loadOptions: LoadOptions;
  readonly #local = new Map<string, LoadedComponent>();
  readonly #published = new Map<string, LoadedComponent>();

  constructor(options: { readonly store?: Store; readonly loadOptions?: LoadOptions } = {}) {
    this.#store = options.store;
    this.#loadOptions = options.loadOptions ?? {};
  }

  /** Adds an already loaded component, replacing one with the same key. */
  register(component: LoadedComponent): LoadedComponent {
    this.#local.set(component.key, component);
    return component;
  }

  /** Loads the bundle at `path` (fresh from disk) and registers it. */
  loadFromPath(path: string): LoadedComponent {
    return this.register(loadComponentFromPath(path));
  }

  /** Validates a module's exports as a component (e.g. a bundle imported by the caller) and registers it. */
  registerExports(moduleExports: unknown, bundleHash: string): LoadedComponent {
    return this.register(componentFromExports(moduleExports, bundleHash));
  }

  /**
   * Publishes the bundle at `path` into the store as the next version of its key (bytes stored inline, so
   * every replica can load it) and returns the stored row with the loaded component.
   */
  async publish(path: string): Promise<{ component: LoadedComponent; published: PublishedComponent }> {
    const store = this.#requireStore();
    const bytes = readFileSync(resolve(path));
    const component = loadComponentFromBytes(bytes, this.#loadOptions);
    const latest = await store.getComponent(component.key);
    if (latest && latest.bundleHash === component.bundleHash) {
      this.#published.set(component.key, component);
      return { component, published: latest };
    }
    const published = await store.putComponent({
      key: component.key,
      version: (latest?.version ?? 0) + 1,
      bundleHash: component.bundleHash,
      manifest: { ...component.manifest },
      bundle: bytes,
    });
    this.#published.set(component.key, component);
    return { component, published };
  }

  /** The component with this key; KW_COMPONENT_NOT_FOUND when neither registered nor published. */
  async get(key: string): Promise<LoadedComponent> {
    const local = this.#local.get(key);
    if (local) return local;
    const row = this.#store ? await this.#store.getComponent(key) : undefined;
    if (!row) {
      throw new KeywayError('KW_COMPONENT_NOT_FOUND', {
        message: `No component "${key}" is loaded or published`,
        details: { componentKey: key },
      });
    }
    const cached = this.#published.get(key);
    if (cached && cached.bundleHash === row.bundleHash) return cached;
    const loaded = this.#loadPublished(row);
    this.#published.set(key, loaded);
    return loaded;
  }

  /** Keys of the components registered in memory. */
  localKeys(): string[] {
    return [...this.#local.keys()];
  }

  #loadPublished(row: PublishedComponent): LoadedComponent {
    const component = row.bundle
      ? loadComponentFromBytes(row.bundle, this.#loadOptions)
      : row.bundlePath
        ? loadComponentFromPath(row.bundlePath)
        : undefined;
    if (!component) {
      throw new KeywayError('KW_COMPONENT_INVALID', {
        message: `Published component "${row.key}" v${row.version} has neither bundle bytes nor a bundle path`,
      });
    }
    if (component.bundleHash !== row.bundleHash || component.key !== row.key) {
      throw new KeywayError('KW_COMPONENT_INVALID', {
        message: `Published component "${row.key}" v${row.version} does not match its recorded bundle hash or key`,
      });
    }
    return component;
  }

  #requireStore(): Store {
    if (!this.#store) {
      throw new KeywayError('KW_CONFIG_INVALID', { message: 'Publishing a component needs a store' });
    }
    return this.#store;
  }
}
