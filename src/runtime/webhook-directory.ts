/**
 * `context.webhookUrls` / `webhookApiKeys` of an instance: the URL (and API key, when one is required) of each of
 * its webhook trigger subscriptions, by subscription name, as spectral's `TriggerPayload` describes them.
 *
 * Kept in memory per instance so an action call reads no extra row: a change made through this process is seen
 * at once ({@link WebhookDirectory.forget}); one made by another replica within `ttlMs`.
 */
import type { Store, Subscription } from '../store';

/** What the context carries for one instance. */
export interface WebhookUrls {
  readonly webhookUrls: Readonly<Record<string, string>>;
  readonly webhookApiKeys: Readonly<Record<string, string[]>>;
}

/** The path prefix of every trigger URL. */
export const TRIGGER_PATH = '/trigger/';

/** The public URL of a webhook subscription's token. */
export function triggerUrl(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${TRIGGER_PATH}${token}`;
}

/** The URLs of `subscriptions` (the enabled webhook ones), by name. */
export function webhookUrlsOf(publicBaseUrl: string, subscriptions: readonly Subscription[]): WebhookUrls {
  const webhookUrls: Record<string, string> = {};
  const webhookApiKeys: Record<string, string[]> = {};
  for (const sub of subscriptions) {
    if (sub.webhookToken === null || sub.status === 'disabling' || sub.status === 'disable_failed') continue;
    webhookUrls[sub.name] = triggerUrl(publicBaseUrl, sub.webhookToken);
    if (sub.apiKey !== null) webhookApiKeys[sub.name] = [sub.apiKey];
  }
  return Object.freeze({
    webhookUrls: Object.freeze(webhookUrls),
    webhookApiKeys: Object.freeze(webhookApiKeys),
  });
}

/** Each instance's {@link WebhookUrls}, cached for `ttlMs`. */
export class WebhookDirectory {
  readonly #store: Store;
  readonly #publicBaseUrl: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { readonly urls: WebhookUrls; readonly at: number }>();

  constructor(options: {
    readonly store: Store;
    readonly publicBaseUrl: string;
    readonly ttlMs?: number;
    readonly now?: () => number;
  }) {
    this.#store = options.store;
    this.#publicBaseUrl = options.publicBaseUrl;
    this.#ttlMs = options.ttlMs ?? 2_000;
    this.#now = options.now ?? Date.now;
  }

  /** The instance's URLs when known and fresh, else `undefined` (then call {@link load}). */
  cached(instanceId: string): WebhookUrls | undefined {
    const entry = this.#entries.get(instanceId);
    return entry !== undefined && this.#now() - entry.at < this.#ttlMs ? entry.urls : undefined;
  }

  /** Reads the instance's subscriptions and remembers their URLs. */
  async load(instanceId: string): Promise<WebhookUrls> {
    const at = this.#now();
    const urls = webhookUrlsOf(
      this.#publicBaseUrl,
      await this.#store.triggers.listSubscriptions({ instanceId }),
    );
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(instanceId, { urls, at });
    return urls;
  }

  /** Drops what is known of the instance: its subscriptions changed. */
  forget(instanceId: string): void {
    this.#entries.delete(instanceId);
  }

  /** The public URL a token is served at. */
  urlOf(token: string): string {
    return triggerUrl(this.#publicBaseUrl, token);
  }
}
