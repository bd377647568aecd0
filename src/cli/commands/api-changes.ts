/**
 * What the commands changing customers and instances through the REST API's own operations (`composeApiServices`)
 * share: checking flags with the API's body schema, the `--public-url` a deletion's hooks need, and the deletion
 * itself (hooks, then connections disconnected and revoked), recorded in the audit log as the API's `DELETE` is.
 * Customers are named by id or external id with `findCustomer` / `lookupCustomer` of src/runtime, as the API does.
 */
import type { z } from 'zod';
import { KeywayError } from '../../errors';
import type { Store } from '../../store';
import { audited } from '../audit';
import type { CliOperation } from '../audit';
import { loadServeConfig, withStore } from '../config';
import type { CommonFlags, LoadedServeConfig } from '../config';
import { composeApiServices, requirePublicUrlForHooks } from '../runtime';
import type { ApiPort } from '../../server';

/** The `--public-url` option of a command that may run trigger hooks. */
export const PUBLIC_URL_OPTION = [
  '--public-url <url>',
  'URL Keyway is reached at, told to trigger hooks (env KEYWAY_PUBLIC_URL, or publicUrl in --config)',
] as const;

/** The configured public URL (flag, environment or file), or `undefined` when none is. */
export function publicUrlOf(config: LoadedServeConfig): string | undefined {
  return config.serve.publicUrl === undefined ? undefined : config.server.publicBaseUrl;
}

/**
 * `body` parsed by the API's schema for the same change: the same limits, and the same message for a bad value.
 * `KW_CLI_ARGUMENT_INVALID` names each bad field as `name` writes its path (a flag, or the body's path).
 */
export function parseLikeApi<S extends z.ZodType>(
  schema: S,
  body: unknown,
  name: (path: string) => string = (path) => path,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
    message: parsed.error.issues.map((i) => `${name(i.path.join('.'))}: ${i.message}`).join('; '),
  });
}

/** What a deletion removes: the resource, and the instances whose hooks run first. */
export interface DeletionTarget {
  readonly id: string;
  readonly instanceIds: readonly string[];
}

/**
 * Deletes what `find` names through the API's operation `remove`, recorded as `operation`. Instances with trigger
 * subscriptions need the public URL their `onInstanceDelete` is told about (`KW_PUBLIC_URL_UNKNOWN` otherwise,
 * before anything changes).
 */
export async function deleteThroughApi<T extends DeletionTarget>(
  flags: CommonFlags & { readonly publicUrl?: string },
  operation: CliOperation,
  find: (store: Store) => Promise<T>,
  remove: (api: ApiPort, id: string) => Promise<void>,
): Promise<T> {
  const config = loadServeConfig(flags);
  const publicBaseUrl = publicUrlOf(config);
  return withStore(config.store, async (store) => {
    const target = await find(store);
    await requirePublicUrlForHooks(store, target.instanceIds, publicBaseUrl);
    const api = composeApiServices(store, { publicBaseUrl });
    await audited(
      store,
      operation,
      () => remove(api, target.id),
      () => target.id,
    );
    return target;
  });
}
