/**
 * The platform's side of the server tests: calling the REST API with an API key, and the sandbox's client
 * secrets, which no response or page may ever show.
 */
import type { Sandbox } from '../../src/sandbox';
import type { Store } from '../../src/store';

/** A request as the server-test harness sends it. */
export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

/** Calls one API route; `body`, when given, is sent as JSON. */
export type ApiCall<R> = (method: ApiRequest['method'], url: string, body?: unknown) => Promise<R>;

/**
 * Creates an API key named `name` with every scope and returns a caller that sends its requests with it
 * (`server` is the harness: its store and how it sends a request).
 */
export async function platformApi<R>(
  server: { readonly store: Store; inject(request: ApiRequest): Promise<R> },
  name = 'platform',
): Promise<ApiCall<R>> {
  const { key } = await server.store.createApiKey({ name, scopes: ['*'] });
  return (method, url, body) =>
    server.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
}

/** The secrets of the sandbox's confidential clients (`basic`, `service`). */
export function sandboxClientSecrets(sandbox: Sandbox): string[] {
  const { basic, service } = sandbox.clients;
  return [basic.clientSecret ?? '', service.clientSecret ?? ''].filter((s) => s.length > 0);
}
