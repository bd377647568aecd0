/**
 * `keyway webhooks create|list|delete|test`: the endpoints connection events are posted to, as `/api/webhooks`
 * manages them and through the same functions (src/runtime/webhook-endpoints.ts). Endpoints named in the
 * configuration (`webhooks` in `--config`, `KEYWAY_WEBHOOKS`) are listed and testable but changed only there. The
 * signing secret is printed once, by `create`; it is read from an environment variable, never from a flag.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import {
  NewWebhookEndpointSchema,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  testWebhookEndpoint,
} from '../../runtime';
import type { WebhookEndpoint, WebhookEndpointDeps } from '../../runtime';
import type { Store } from '../../store';
import { collect } from '../args';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { renderTable } from '../output';
import { SERVE_ENV, ServeConfigSchema, readConfigFile } from '../serve-config';
import { parseLikeApi } from './api-changes';

interface CreateFlags extends CommonFlags {
  readonly url: string;
  readonly id?: string;
  readonly event?: string[];
  readonly secretEnv?: string;
}

/**
 * The endpoints the deployment's configuration names, as `keyway serve` reads them: `KEYWAY_WEBHOOKS`, else
 * `webhooks` in the `--config` file. `KW_CONFIG_INVALID` names a bad entry, never its secret.
 */
export function configuredWebhooks(
  flags: CommonFlags,
  env: NodeJS.ProcessEnv = process.env,
): WebhookEndpoint[] {
  const fromEnv = env[SERVE_ENV.webhooks];
  const value = fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined;
  const raw = value ?? (flags.config ? readConfigFile(flags.config)['webhooks'] : undefined);
  const parsed = ServeConfigSchema.shape.webhooks.safeParse(raw);
  if (parsed.success) return parsed.data ?? [];
  const issue = parsed.error.issues[0];
  throw new KeywayError('KW_CONFIG_INVALID', {
    message: `Invalid configuration:\n  - webhooks${issue?.path.length ? `.${issue.path.join('.')}` : ''} (${SERVE_ENV.webhooks}): ${issue?.message ?? 'invalid'}`,
  });
}

/** Runs `work` on the store with the configured endpoints beside it. */
function withEndpoints<T>(flags: CommonFlags, work: (deps: WebhookEndpointDeps) => Promise<T>): Promise<T> {
  const configured = configuredWebhooks(flags);
  return withStore(loadStoreConfig(flags), (store: Store) => work({ store, configured }));
}

function noSuchEndpoint(id: string): KeywayError {
  return new KeywayError('KW_STORE_NOT_FOUND', {
    message: `No webhook endpoint "${id}" (see \`keyway webhooks list\`)`,
    details: { id },
  });
}

/** The flag that sets each field of the API's body. */
const FLAG_OF: Readonly<Record<string, string>> = {
  url: '--url',
  id: '--id',
  events: '--event',
  secret: '--secret-env',
};

/** `--secret-env`: the secret from that variable; none (one is generated) when the flag is not given. */
function secretFrom(flags: CreateFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.secretEnv === undefined) return undefined;
  const secret = env[flags.secretEnv];
  if (secret === undefined || secret === '') {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: `--secret-env: the environment variable ${flags.secretEnv} is not set`,
    });
  }
  return secret;
}

/** Registers `keyway webhooks ...`. */
export function registerWebhookCommands(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('manage the endpoints connection events are posted to (as /api/webhooks does)');

  withCommonOptions(
    webhooks
      .command('create')
      .description('add a webhook endpoint and print its signing secret once')
      .requiredOption('--url <url>', 'where events are posted (http or https)')
      .option('--id <id>', 'endpoint id (default: generated)')
      .option('--event <type>', 'send only this event type (repeatable; default: every type)', collect)
      .option(
        '--secret-env <name>',
        'read the signing secret from this environment variable (default: generated)',
      ),
  ).action(
    cliAction(async (out, flags: CreateFlags) => {
      const input = parseLikeApi(
        NewWebhookEndpointSchema,
        {
          url: flags.url,
          ...(flags.id !== undefined ? { id: flags.id } : {}),
          ...(flags.event !== undefined ? { events: flags.event } : {}),
          ...(flags.secretEnv !== undefined ? { secret: secretFrom(flags, process.env) } : {}),
        },
        (path) => FLAG_OF[path.split('.')[0] ?? ''] ?? path,
      );
      const created = await withEndpoints(flags, (deps) =>
        audited(
          deps.store,
          'createWebhookEndpoint',
          () => createWebhookEndpoint(deps, input),
          (made) => made.endpoint.id,
        ),
      );
      out.result(created, () => created.secret);
      out.note(
        `Webhook endpoint ${created.endpoint.id} → ${created.endpoint.url}. Its signing secret is shown only this ` +
          'once: give it to the receiver now (it verifies the X-Keyway-Signature header with it).',
      );
    }),
  );

  withCommonOptions(
    webhooks.command('list').description('list webhook endpoints, configured and added (never secrets)'),
  ).action(
    cliAction(async (out, flags: CommonFlags) => {
      const endpoints = await withEndpoints(flags, listWebhookEndpoints);
      out.result({ endpoints }, () =>
        endpoints.length === 0
          ? 'No webhook endpoints yet; add one with `keyway webhooks create --url <url>`.'
          : renderTable(endpoints, [
              { header: 'ID', value: (e) => e.id },
              { header: 'URL', value: (e) => e.url },
              { header: 'EVENTS', value: (e) => e.events?.join(',') ?? '*' },
              { header: 'SOURCE', value: (e) => e.source },
            ]),
      );
    }),
  );

  withCommonOptions(
    webhooks
      .command('delete')
      .description('remove an added webhook endpoint (configured ones are removed from the configuration)')
      .argument('<id>', 'the endpoint id (see `keyway webhooks list`)'),
  ).action(
    cliAction(async (out, flags: CommonFlags, id: string) => {
      await withEndpoints(flags, (deps) =>
        audited(
          deps.store,
          'deleteWebhookEndpoint',
          async () => {
            if (!(await deleteWebhookEndpoint(deps, id))) throw noSuchEndpoint(id);
          },
          () => id,
        ),
      );
      out.result({ deleted: { id } }, () => `deleted webhook endpoint ${id}`);
    }),
  );

  withCommonOptions(
    webhooks
      .command('test')
      .description(
        'post a signed webhook.test event to an endpoint now (exit code 1 when it is not accepted)',
      )
      .argument('<id>', 'the endpoint id (see `keyway webhooks list`)'),
  ).action(
    cliAction(async (out, flags: CommonFlags, id: string) => {
      // Recorded whatever the receiver answered, as the API records its 200: the event was sent.
      const test = await withEndpoints(flags, (deps) =>
        audited(
          deps.store,
          'testWebhookEndpoint',
          async () => {
            const result = await testWebhookEndpoint(deps, id);
            if (!result) throw noSuchEndpoint(id);
            return result;
          },
          () => id,
        ),
      );
      out.result({ test }, () =>
        test.delivered ? `delivered webhook.test to ${id}` : `not delivered to ${id}: ${test.error ?? ''}`,
      );
      if (!test.delivered) process.exitCode = 1;
    }),
  );
}
