/**
 * `keyway oauth-apps set|set-provider|list|remove|remove-provider`: the platform's OAuth apps, one per connection
 * definition of a component or one per catalog provider. Every connection of the definition (or of every
 * definition built on the provider that has no app of its own) inherits the app (see src/runtime/oauth-apps.ts
 * and src/runtime/provider-oauth-apps.ts). The client secret is read from an environment variable, never from the
 * command line (where `ps` would show it), and never printed.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import {
  ComponentRegistry,
  oauthAppView,
  providerOAuthAppView,
  registerOAuthApp,
  registerProviderOAuthApp,
  removeOAuthApp,
  removeProviderOAuthApp,
} from '../../runtime';
import { catalogLookup } from '../catalog';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { renderTable } from '../output';

interface SetFlags extends CommonFlags {
  readonly definition?: string;
  readonly clientId?: string;
  readonly clientSecretEnv?: string;
  readonly field: readonly string[];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

/** The app's values from the flags: `--client-id`, the secret from `--client-secret-env`, `--field k=v`. */
export function appFields(flags: SetFlags, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of flags.field) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
        message: `--field "${pair.slice(0, 40)}": write it as <input key>=<value>, e.g. --field tokenUrl=https://…`,
      });
    }
    fields[pair.slice(0, at)] = pair.slice(at + 1);
  }
  if (flags.clientId !== undefined) fields['clientId'] = flags.clientId;
  if (flags.clientSecretEnv !== undefined) {
    const secret = env[flags.clientSecretEnv];
    if (secret === undefined || secret === '') {
      throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
        message: `--client-secret-env: the environment variable ${flags.clientSecretEnv} is not set`,
      });
    }
    fields['clientSecret'] = secret;
  }
  return fields;
}

/** Registers `keyway oauth-apps ...`. */
export function registerOAuthAppCommands(program: Command): void {
  const apps = program
    .command('oauth-apps')
    .description("the platform's OAuth apps: client id and secret shared by every instance");

  withCommonOptions(
    apps
      .command('set')
      .description('register or replace the OAuth app of a connection definition; its connections inherit it')
      .argument('<component>', 'component key')
      .option('--definition <key>', "connection definition key (default: the component's only one)")
      .option('--client-id <id>', 'the client id')
      .option('--client-secret-env <name>', 'environment variable holding the client secret')
      .option('--field <key=value>', 'another input the platform sets (tokenUrl, scopes, …)', collect, []),
  ).action(
    cliAction(async (out, flags: SetFlags, componentKey: string) => {
      const fields = appFields(flags);
      const done = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'putOAuthApp',
          () =>
            registerOAuthApp(
              { store, components: new ComponentRegistry({ store }) },
              { componentKey, ...(flags.definition ? { definitionKey: flags.definition } : {}), fields },
            ),
          ({ app }) => `${app.componentKey}/${app.definitionKey}`,
        ),
      );
      out.result(
        { oauthApp: done.app, connectionsUpdated: done.connectionsUpdated },
        () =>
          `OAuth app of ${done.app.componentKey}/${done.app.definitionKey} saved (secret fields: ${done.app.secretFields.join(', ') || 'none'}); ${done.connectionsUpdated} connection(s) updated`,
      );
    }),
  );

  withCommonOptions(apps.command('list').description('list OAuth apps (never their secrets)')).action(
    cliAction(async (out, flags: CommonFlags) => {
      const { list, byProvider } = await withStore(loadStoreConfig(flags), async (store) => ({
        list: (await store.oauthApps.list()).map(oauthAppView),
        byProvider: (await store.providerOAuthApps.list()).map(providerOAuthAppView),
      }));
      const rows = [
        ...byProvider.map((a) => ({ ...a, target: `provider ${a.providerKey}` })),
        ...list.map((a) => ({ ...a, target: `${a.componentKey}/${a.definitionKey}` })),
      ];
      out.result({ oauthApps: list, providerOAuthApps: byProvider }, () =>
        rows.length === 0
          ? 'No OAuth apps yet; register one with `keyway oauth-apps set <component> --client-id …` or `keyway oauth-apps set-provider <provider> --client-id …`.'
          : renderTable(rows, [
              { header: 'FOR', value: (a) => a.target },
              { header: 'CLIENT ID', value: (a) => text(a.fields['clientId']) },
              { header: 'SECRETS', value: (a) => a.secretFields.join(',') },
            ]),
      );
    }),
  );

  withCommonOptions(
    apps
      .command('remove')
      .description('remove an OAuth app and its values from every connection of the definition')
      .argument('<component>', 'component key')
      .argument('<definition>', 'connection definition key'),
  ).action(
    cliAction(async (out, flags: CommonFlags, componentKey: string, definitionKey: string) => {
      const done = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'deleteOAuthApp',
          () =>
            removeOAuthApp(
              { store, components: new ComponentRegistry({ store }) },
              componentKey,
              definitionKey,
            ),
          () => `${componentKey}/${definitionKey}`,
        ),
      );
      out.result(
        { removed: { componentKey, definitionKey }, connectionsUpdated: done.connectionsUpdated },
        () => `removed ${componentKey}/${definitionKey}; ${done.connectionsUpdated} connection(s) updated`,
      );
    }),
  );
  registerProviderCommands(apps);
}

/** `keyway oauth-apps set-provider|remove-provider`: one app for every definition built on a catalog provider. */
function registerProviderCommands(apps: Command): void {
  withCommonOptions(
    apps
      .command('set-provider')
      .description(
        'register or replace the OAuth app of a catalog provider; every definition built on it without an app of its own inherits it',
      )
      .argument('<provider>', 'catalog provider key (docs/providers.md)')
      .option('--client-id <id>', 'the client id')
      .option('--client-secret-env <name>', 'environment variable holding the client secret')
      .option('--field <key=value>', 'scopes, environment or a field of the provider', collect, []),
  ).action(
    cliAction(async (out, flags: SetFlags, providerKey: string) => {
      const fields = appFields(flags);
      const done = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'putProviderOAuthApp',
          () =>
            registerProviderOAuthApp(
              { store, components: new ComponentRegistry({ store }), providers: catalogLookup },
              { providerKey, fields },
            ),
          ({ app }) => app.providerKey,
        ),
      );
      out.result(
        { providerOAuthApp: done.app, connectionsUpdated: done.connectionsUpdated },
        () =>
          `OAuth app of provider ${done.app.providerKey} saved (secret fields: ${done.app.secretFields.join(', ') || 'none'}); ${done.connectionsUpdated} connection(s) updated`,
      );
    }),
  );

  withCommonOptions(
    apps
      .command('remove-provider')
      .description(
        'remove the OAuth app of a catalog provider and its values from the connections inheriting it',
      )
      .argument('<provider>', 'catalog provider key'),
  ).action(
    cliAction(async (out, flags: CommonFlags, providerKey: string) => {
      const done = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'deleteProviderOAuthApp',
          () => removeProviderOAuthApp({ store, components: new ComponentRegistry({ store }) }, providerKey),
          () => providerKey,
        ),
      );
      out.result(
        { removed: { providerKey }, connectionsUpdated: done.connectionsUpdated },
        () => `removed the app of provider ${providerKey}; ${done.connectionsUpdated} connection(s) updated`,
      );
    }),
  );
}
