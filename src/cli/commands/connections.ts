/**
 * `keyway connections activate <instance> <connection>`: fetches a token now for a connection whose grant
 * needs no person (client credentials; a password the platform supplied) and prints what the provider
 * answered — never the token. A refusal exits non-zero with the provider's typed error.
 */
import type { Command } from 'commander';
import { findConnection, findInstance } from '../../runtime';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import { composeRuntime } from '../runtime';
import type { CommonFlags } from '../config';
import { when } from '../output';
import { summarizeConnection } from './instances';

/** Registers `keyway connections ...`. */
export function registerConnectionCommands(program: Command): void {
  const connections = program.command('connections').description('work with the connections of an instance');

  withCommonOptions(
    connections
      .command('activate')
      .description('fetch a token now for a client-credentials or platform-supplied password connection')
      .argument('<instance>', 'instance id or name')
      .argument('<connection>', 'connection name or id'),
  ).action(
    cliAction(async (out, flags: CommonFlags, instanceRef: string, connectionRef: string) => {
      const activation = await withStore(loadStoreConfig(flags), async (store) => {
        const instance = await findInstance(store, instanceRef);
        const connection = await findConnection(store, instance, connectionRef);
        return audited(
          store,
          'activateConnection',
          () => composeRuntime(store).flows.activate(connection.id),
          () => instance.id,
        );
      });
      const connection = summarizeConnection(activation.connection);
      const { token } = activation;
      out.result({ connection, token }, () =>
        [
          `connection ${connection.name} (${connection.id}) is ${connection.status}`,
          `  token type: ${token.tokenType}`,
          `  scopes:     ${token.scopes.join(' ') || '-'}`,
          `  expires:    ${when(token.expiresAt)}`,
          `  refresh:    ${token.refreshToken ? 'yes' : 'no'}`,
        ].join('\n'),
      );
    }),
  );
}
