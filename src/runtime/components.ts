/**
 * The runtime's component registry: bundles loaded from disk or published into the store, indexed by key.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KeywayError } from '../errors';
import type { PublishedComponent, Store } from '../store';
import { assertConnectable } from './connectability';
import { componentFromExports, loadComponentFromBytes, loadComponentFromPath } from './loader';
import type { LoadOptions } from './loader';
import type { LoadedComponent } from './types';

/** How long a loaded published component is used before the store is asked again for its latest version. */
export const DEFAULT_COMPONENT_RECHECK_MS = 1000;

interface PublishedEntry {
  readonly component: LoadedComponent;
  checkedAt: number;
  /** The head check in flight, shared by concurrent callers. */
  checking: Promise<LoadedComponent> | undefined;
}

/**
 * Holds the components the runtime can run. Components registered in memory win; otherwise the latest version
 * published in the store is loaded and kept. Whether a newer version was published is asked of the store (one
 * small query, no bundle bytes) at most once per `recheckMs` per key: a publish in this process is used at once,
 * one from another process within `recheckMs`.
 */
export class ComponentRegistry {
  readonly #store: Store | undefined;
  readonly #loadOptions: LoadOptions;
  readonly #recheckMs: number;
  readonly #now: () => number;
  readonly #local = new Map<string, LoadedComponent>();
  readonly #published = new Map<string, PublishedEntry>();

  constructor(
    options: {
      readonly store?: Store;
      readonly loadOptions?: LoadOptions;
      readonly recheckMs?: number;
      readonly now?: () => number;
    } = {},
  ) {
    this.#store = options.store;
    this.#loadOptions = options.loadOptions ?? {};
    this.#recheckMs = options.recheckMs ?? DEFAULT_COMPONENT_RECHECK_MS;
    this.#now = options.now ?? Date.now;
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
   * every replica can load it) and returns the stored row with the loaded component. A bundle with a connection
   * that can never connect is refused (`KW_COMPONENT_INVALID`) and nothing is stored.
   */
  async publish(path: string): Promise<{ component: LoadedComponent; published: PublishedComponent }> {
    const store = this.#requireStore();
    const bytes = readFileSync(resolve(path));
    const component = loadComponentFromBytes(bytes, this.#loadOptions);
    // A connection that can never connect is refused here, before anything is stored.
    assertConnectable(component);
    const latest = await store.getComponent(component.key);
    if (latest && latest.bundleHash === component.bundleHash) {
      this.#keep(component);
      return { component, published: latest };
    }
    const published = await store.putComponent({
      key: component.key,
      version: (latest?.version ?? 0) + 1,
      bundleHash: component.bundleHash,
      manifest: { ...component.manifest },
      bundle: bytes,
    });
    this.#keep(component);
    return { component, published };
  }

  /**
   * The component with this key when {@link ComponentRegistry.get} can answer it without a read (registered
   * here, or published and checked within the recheck interval); otherwise `undefined`.
   */
  #cached(key: string): LoadedComponent | undefined {
    const local = this.#local.get(key);
    if (local) return local;
    const entry = this.#published.get(key);
    return entry && this.#now() - entry.checkedAt < this.#recheckMs ? entry.component : undefined;
  }

  /** The component with this key; KW_COMPONENT_NOT_FOUND when neither registered nor published. */
  async get(key: string): Promise<LoadedComponent> {
    const known = this.#cached(key);
    if (known) return known;
    const entry = this.#published.get(key);
    if (entry) {
      entry.checking ??= this.#recheck(key, entry).finally(() => (entry.checking = undefined));
      return entry.checking;
    }
    return this.#loadLatest(key);
  }

  async #recheck(key: string, entry: PublishedEntry): Promise<LoadedComponent> {
    const head = await this.#requireStore().getComponentHead(key);
    if (head?.bundleHash === entry.component.bundleHash) {
      entry.checkedAt = this.#now();
      return entry.component;
    }
    return this.#loadLatest(key);
  }

  async #loadLatest(key: string): Promise<LoadedComponent> {
    const row = this.#store ? await this.#store.getComponent(key) : undefined;
    if (!row) {
      this.#published.delete(key);
      throw new KeywayError('KW_COMPONENT_NOT_FOUND', {
        message: `No component "${key}" is loaded or published`,
        details: { componentKey: key },
      });
    }
    const cached = this.#published.get(key)?.component;
    return this.#keep(cached?.bundleHash === row.bundleHash ? cached : this.#loadPublished(row));
  }

  #keep(component: LoadedComponent): LoadedComponent {
    this.#published.set(component.key, { component, checkedAt: this.#now(), checking: undefined });
    return component;
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
