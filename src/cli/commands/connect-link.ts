/**
 * `keyway connect-link <instance>`: signs a connect link with the deployment's link secret and prints its URL.
 * The server verifies it with the same secret (configured, or generated in the SQLite data dir), so a link
 * made here in another terminal works against a running `keyway serve`.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { findInstance } from '../../runtime';
import { signConnectLink } from '../../server';
import type { ServerConfig } from '../../server';
import type { Store } from '../../store';
import { collect, parsePositiveInt } from '../args';
import { audited } from '../audit';
import { cliAction, loadServeConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';

/** A signed link as the CLI prints it. */
export interface PrintedConnectLink {
  readonly url: string;
  readonly linkId: string;
  readonly instanceId: string;
  readonly connectionIds: readonly string[] | null;
  readonly expiresAt: string;
}

/**
 * Signs a link for an existing instance, optionally limited to some of its connections (by name or id).
 * `KW_STORE_NOT_FOUND` for an unknown instance, `KW_CLI_ARGUMENT_INVALID` for a connection it does not have.
 */
export async function createConnectLink(
  store: Store,
  server: ServerConfig,
  request: {
    readonly instanceId: string;
    readonly connections?: readonly string[];
    readonly ttlMs?: number;
    readonly now?: number;
  },
): Promise<PrintedConnectLink> {
  const instance = await findInstance(store, request.instanceId);
  const connections = await store.listConnections({ instanceId: instance.id });
  const ids = (request.connections ?? []).map((ref) => {
    const match = connections.find((c) => c.name === ref || c.id === ref);
    if (!match) {
      throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
        message: `Instance "${instance.id}" has no connection "${ref}" (it has: ${connections.map((c) => c.name).join(', ') || 'none'})`,
      });
    }
    return match.id;
  });
  const signed = signConnectLink(
    {
      instanceId: instance.id,
      ttlMs: request.ttlMs ?? server.linkTtlMs,
      ...(ids.length > 0 ? { connectionIds: ids } : {}),
    },
    { secret: server.linkSecret, now: request.now ?? Date.now() },
  );
  return {
    url: `${server.publicBaseUrl}/connect/${signed.token}`,
    linkId: signed.claims.lid,
    instanceId: instance.id,
    connectionIds: signed.claims.cids ?? null,
    expiresAt: new Date(signed.claims.exp).toISOString(),
  };
}

interface LinkFlags extends CommonFlags {
  readonly publicUrl?: string;
  readonly connection?: string[];
  readonly ttl?: string;
}

/** Registers `keyway connect-link`. */
export function registerConnectLink(program: Command): void {
  withCommonOptions(
    program
      .command('connect-link')
      .description('sign a connect link for an instance and print its URL')
      .argument('<instance>', 'instance id or name')
      .option('--connection <name>', 'limit the link to this connection (repeatable)', collect)
      .option('--ttl <seconds>', 'lifetime in seconds (default 7 days)')
      .option(
        '--public-url <url>',
        'URL people reach Keyway at (env KEYWAY_PUBLIC_URL, or publicUrl in --config)',
      ),
  ).action(
    cliAction(async (out, flags: LinkFlags, instanceId: string) => {
      const ttlMs = flags.ttl !== undefined ? parsePositiveInt('--ttl', flags.ttl) * 1000 : undefined;
      const config = loadServeConfig(flags);
      // This process is not the server: a URL built from a default host and port would be a guess.
      if (config.serve.publicUrl === undefined) {
        throw new KeywayError('KW_PUBLIC_URL_UNKNOWN', {
          message:
            'No public URL is configured, so the link cannot say where Keyway is reached: pass --public-url, set KEYWAY_PUBLIC_URL, or set publicUrl in the --config file (the same value `keyway serve` uses)',
        });
      }
      const link = await withStore(config.store, (store) =>
        audited(
          store,
          'createConnectLink',
          () =>
            createConnectLink(store, config.server, {
              instanceId,
              ...(flags.connection ? { connections: flags.connection } : {}),
              ...(ttlMs !== undefined ? { ttlMs } : {}),
            }),
          (made) => made.instanceId,
        ),
      );
      out.result({ link }, () => link.url);
      out.note(`expires ${link.expiresAt}`);
    }),
  );
}
