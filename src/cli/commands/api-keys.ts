/**
 * `keyway api-keys create|list|revoke`: REST API keys. The key is printed once, at creation; the store keeps only its
 * hash, so it cannot be shown again.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { API_SCOPES, isKnownScope } from '../../server';
import type { CreatedApiKey, Store } from '../../store';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { renderTable, when } from '../output';

/**
 * Splits and checks a comma-separated scope list: each is one of {@link API_SCOPES}, `<resource>:*` or `*`.
 * `KW_CLI_ARGUMENT_INVALID` names the unknown ones.
 */
export function parseScopes(text: string): string[] {
  const scopes = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = scopes.filter((scope) => !isKnownScope(scope));
  if (scopes.length === 0 || unknown.length > 0) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: `--scopes: ${scopes.length === 0 ? 'give at least one scope' : `unknown scope(s) ${unknown.join(', ')}`}; known: ${API_SCOPES.join(', ')}, <resource>:*, *`,
    });
  }
  return scopes;
}

/** Creates an API key; the returned `key` is the only copy in clear. */
export function createApiKey(store: Store, name: string, scopes: readonly string[]): Promise<CreatedApiKey> {
  if (name.trim() === '') {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', { message: '--name must not be empty' });
  }
  return store.createApiKey({ name: name.trim(), scopes });
}

/** Registers `keyway api-keys ...`. */
export function registerApiKeyCommands(program: Command): void {
  const apiKeys = program.command('api-keys').description('manage REST API keys');

  withCommonOptions(
    apiKeys
      .command('create')
      .description('create an API key and print it once')
      .requiredOption('--name <name>', 'who or what uses the key')
      .option('--scopes <scopes>', 'comma-separated scopes', API_SCOPES.join(',')),
  ).action(
    cliAction(async (out, flags: CommonFlags & { name: string; scopes: string }) => {
      const scopes = parseScopes(flags.scopes);
      const created = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'createApiKey',
          () => createApiKey(store, flags.name, scopes),
          (made) => made.apiKey.id,
        ),
      );
      out.result(
        {
          key: created.key,
          id: created.apiKey.id,
          name: created.apiKey.name,
          scopes: created.apiKey.scopes,
        },
        () => created.key,
      );
      out.note(
        `API key "${created.apiKey.name}" (${created.apiKey.id}), scopes ${created.apiKey.scopes.join(',')}. ` +
          'It is shown only this once: store it now.',
      );
    }),
  );

  withCommonOptions(apiKeys.command('list').description('list API keys (never the keys themselves)')).action(
    cliAction(async (out, flags: CommonFlags) => {
      const keys = await withStore(loadStoreConfig(flags), (store) => store.listApiKeys());
      out.result({ apiKeys: keys }, () =>
        keys.length === 0
          ? 'No API keys yet; create one with `keyway api-keys create --name <name>`.'
          : renderTable(keys, [
              { header: 'ID', value: (k) => k.id },
              { header: 'NAME', value: (k) => k.name },
              { header: 'PREFIX', value: (k) => k.prefix },
              { header: 'SCOPES', value: (k) => k.scopes.join(',') },
              { header: 'LAST USED', value: (k) => when(k.lastUsedAt) },
              { header: 'REVOKED', value: (k) => when(k.revokedAt) },
            ]),
      );
    }),
  );

  withCommonOptions(
    apiKeys
      .command('revoke')
      .description('revoke an API key: every replica refuses it from its next request')
      .argument('<id>', 'the key id (see `keyway api-keys list`)'),
  ).action(
    cliAction(async (out, flags: CommonFlags, id: string) => {
      // KW_STORE_NOT_FOUND for an unknown id; revoking a revoked key again is a no-op.
      await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'revokeApiKey',
          () => store.revokeApiKey(id),
          () => id,
        ),
      );
      out.result({ revoked: { id } }, () => `revoked ${id}`);
    }),
  );
}
