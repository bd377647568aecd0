/**
 * The secrets a run's log lines and error messages must not show: secret fields, passwords and every token.
 * Gathered only when a log line or an error needs them: most runs never do.
 */
import type { BoundConnection } from './run-plan';
import type { AccessToken } from './types';
import { TRIGGER_PATH } from './webhook-directory';
import type { WebhookUrls } from './webhook-directory';

/**
 * The secrets of `bound`, gathered afresh at each iteration (a token refreshed mid-run is redacted too). A class,
 * not a closure made in `runAction`, for the reason given at `logSink` (./run-action).
 */
export class LazySecrets implements Iterable<string> {
  readonly #bound: readonly BoundConnection[];
  /** The run's other secrets, set once it has them: the credentials of its instance's trigger URLs. */
  also: readonly string[] = [];

  constructor(bound: readonly BoundConnection[]) {
    this.#bound = bound;
  }

  [Symbol.iterator](): Iterator<string> {
    const secrets = secretsOf(this.#bound);
    for (const secret of this.also) secrets.add(secret);
    return secrets.values();
  }
}

/**
 * The credentials of an instance's trigger URLs that a context hands the component: the token each URL in
 * `webhookUrls` carries in its path (whoever has the URL can fire the trigger) and the API keys of
 * `webhookApiKeys`. Kept out of trigger events' payloads and, like tokens, out of log lines and error messages, where
 * a URL then reads `…/trigger/[REDACTED]`.
 */
export function webhookSecrets(urls: WebhookUrls | undefined): readonly string[] {
  if (urls === undefined) return [];
  const secrets: string[] = [];
  for (const name in urls.webhookUrls) {
    const url = urls.webhookUrls[name];
    const at = url === undefined ? -1 : url.lastIndexOf(TRIGGER_PATH);
    if (url !== undefined && at !== -1) secrets.push(url.slice(at + TRIGGER_PATH.length));
  }
  for (const name in urls.webhookApiKeys) {
    for (const key of urls.webhookApiKeys[name] ?? [])
      if (typeof key === 'string' && key !== '') secrets.push(key);
  }
  return secrets;
}

/** Every secret a run's log lines and error messages must not show. */
export function secretsOf(bound: readonly BoundConnection[]): Set<string> {
  const secrets = new Set<string>();
  for (const item of bound) collectSecrets(item, secrets);
  return secrets;
}

function collectSecrets(item: BoundConnection, secrets: Set<string>): void {
  const { secretFields } = item.connection;
  for (const key in secretFields) {
    const value = secretFields[key];
    if (typeof value === 'string') secrets.add(value);
  }
  for (const input of item.definition.inputs) {
    const value = item.fields[input.key];
    if (input.type === 'password' && typeof value === 'string') secrets.add(value);
  }
  if (item.token !== undefined) collectToken(item.token, secrets);
  // A token a 401 retired mid-run: the component was given it, and may show it later.
  if (item.retired !== undefined) for (const token of item.retired) collectToken(token, secrets);
}

function collectToken(token: AccessToken, secrets: Set<string>): void {
  secrets.add(token.accessToken);
  collectTokenFields(token.raw, secrets, 0);
}

const TOKEN_FIELDS: ReadonlySet<string> = new Set(['access_token', 'refresh_token', 'id_token']);

/**
 * Every token-like field of a raw token response, at any depth: providers nest tokens (Slack's user token and
 * its refresh token under `authed_user`), and a component may log any of them.
 */
function collectTokenFields(value: unknown, secrets: Set<string>, depth: number): void {
  // Token responses are shallow; the bound only guards against a pathological body.
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (TOKEN_FIELDS.has(key) && typeof child === 'string' && child !== '') secrets.add(child);
    else collectTokenFields(child, secrets, depth + 1);
  }
}
