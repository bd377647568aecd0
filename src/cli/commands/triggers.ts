/**
 * `keyway triggers enable|list|disable|retry`: trigger subscriptions from the command line, as the API offers
 * them. Hooks run here (onInstanceDeploy registers the subscription's URL at the vendor), so the public URL must
 * be the one `keyway serve` uses.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import {
  ComponentRegistry,
  CredentialManager,
  Triggers,
  WebhookDirectory,
  findInstance,
} from '../../runtime';
import type { Store, Subscription } from '../../store';
import { collect, parseJsonObject, parseKeyValues, parsePositiveInt } from '../args';
import { audited } from '../audit';
import { cliAction, loadServeConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';

interface TriggerFlags extends CommonFlags {
  readonly publicUrl?: string;
}

interface EnableFlags extends TriggerFlags {
  readonly name?: string;
  readonly inputs?: string;
  readonly input?: string[];
  readonly connection?: string[];
  readonly apiKey?: boolean;
  readonly every?: string;
  readonly cron?: string;
}

const PUBLIC_URL_OPTION = [
  '--public-url <url>',
  'URL Keyway is reached at (env KEYWAY_PUBLIC_URL, or publicUrl in --config)',
] as const;

/** Runs `work` with a store and the triggers runtime; refuses without a configured public URL. */
async function withTriggers<T>(
  flags: TriggerFlags,
  work: (triggers: Triggers, store: Store, webhooks: WebhookDirectory) => Promise<T>,
): Promise<T> {
  const config = loadServeConfig(flags);
  if (config.serve.publicUrl === undefined) {
    throw new KeywayError('KW_PUBLIC_URL_UNKNOWN', {
      message:
        'No public URL is configured, so trigger URLs cannot say where Keyway is reached: pass --public-url, set KEYWAY_PUBLIC_URL, or set publicUrl in the --config file (the same value `keyway serve` uses)',
    });
  }
  const publicBaseUrl = config.server.publicBaseUrl;
  return withStore(config.store, async (store) => {
    const components = new ComponentRegistry({ store });
    const credentials = new CredentialManager({ store, components });
    const webhooks = new WebhookDirectory({ store, publicBaseUrl });
    return work(new Triggers({ store, components, credentials, webhooks }), store, webhooks);
  });
}

function view(sub: Subscription, webhooks: WebhookDirectory): Record<string, unknown> {
  return {
    id: sub.id,
    name: sub.name,
    instanceId: sub.instanceId,
    component: sub.componentKey,
    trigger: sub.triggerKey,
    status: sub.status,
    webhookUrl: sub.webhookToken === null ? null : webhooks.urlOf(sub.webhookToken),
    apiKey: sub.apiKey,
    schedule: sub.schedule,
    lastError: sub.lastError,
  };
}

function line(sub: Record<string, unknown>): string {
  const where = typeof sub.webhookUrl === 'string' ? sub.webhookUrl : JSON.stringify(sub.schedule);
  return `${String(sub.id)}  ${String(sub.name)}  ${String(sub.status)}  ${where}`;
}

/** Registers `keyway triggers …`. */
export function registerTriggerCommands(program: Command): void {
  const triggers = program
    .command('triggers')
    .description('enable, list, retry and disable trigger subscriptions');
  withCommonOptions(
    triggers
      .command('enable')
      .description('enable a trigger of a component on an instance (runs its onInstanceDeploy)')
      .argument('<instance>', 'instance id or name')
      .argument('<component>', 'component key')
      .argument('<trigger>', 'trigger key')
      .option(
        '--name <name>',
        'flow name: the key of its URL in context.webhookUrls (default: the trigger key)',
      )
      .option('--inputs <json>', 'inputs as a JSON object, @file or - for stdin')
      .option('--input <key=value>', 'one input (repeatable; wins over --inputs)', collect)
      .option('--connection <input=name>', 'which instance connection fills a connection input', collect)
      .option('--api-key', 'also require a generated Api-Key header on the webhook URL')
      .option('--every <seconds>', 'poll every this many seconds (polling triggers)')
      .option('--cron <expression>', 'poll on this cron schedule, UTC (polling triggers)')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(
      async (out, flags: EnableFlags, instanceRef: string, componentKey: string, triggerKey: string) => {
        const inputs = {
          ...parseJsonObject('--inputs', flags.inputs),
          ...parseKeyValues('--input', flags.input),
        };
        const connections = parseKeyValues('--connection', flags.connection);
        const schedule =
          flags.every !== undefined || flags.cron !== undefined
            ? {
                ...(flags.every !== undefined
                  ? { everySeconds: parsePositiveInt('--every', flags.every) }
                  : {}),
                ...(flags.cron !== undefined ? { cron: flags.cron } : {}),
              }
            : undefined;
        const shown = await withTriggers(flags, async (runtime, store, webhooks) => {
          const instance = await findInstance(store, instanceRef);
          const enable = runtime.enable.bind(runtime);
          const sub = await audited(
            store,
            'enableTrigger',
            () =>
              enable({
                instanceId: instance.id,
                componentKey,
                triggerKey,
                name: flags.name,
                inputs,
                connections,
                requireApiKey: flags.apiKey === true,
                schedule,
              }),
            () => instance.id,
          );
          return view(sub, webhooks);
        });
        out.result({ trigger: shown }, () => line(shown));
        if (shown.status === 'enable_failed')
          out.note(`onInstanceDeploy failed: ${JSON.stringify(shown.lastError)}`);
      },
    ),
  );
  withCommonOptions(
    triggers
      .command('list')
      .description('list trigger subscriptions')
      .argument('[instance]', 'only those of this instance (id or name)')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(async (out, flags: TriggerFlags, instanceRef?: string) => {
      const shown = await withTriggers(flags, async (_runtime, store, webhooks) => {
        const instanceId =
          instanceRef === undefined ? undefined : (await findInstance(store, instanceRef)).id;
        const subs = await store.triggers.listSubscriptions(instanceId === undefined ? {} : { instanceId });
        return subs.map((sub) => view(sub, webhooks));
      });
      out.result({ triggers: shown }, () => shown.map(line).join('\n'));
    }),
  );
  withCommonOptions(
    triggers
      .command('disable')
      .description('disable a subscription (runs its onInstanceDelete, then removes it)')
      .argument('<id>', 'subscription id')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(async (out, flags: TriggerFlags, id: string) => {
      await withTriggers(flags, (runtime, store) =>
        audited(
          store,
          'disableTrigger',
          () => runtime.disable(id),
          () => id,
        ),
      );
      out.result({ disabled: id }, () => `disabled ${id}`);
    }),
  );
  withCommonOptions(
    triggers
      .command('retry')
      .description('run a failed onInstanceDeploy / onInstanceDelete again')
      .argument('<id>', 'subscription id')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(async (out, flags: TriggerFlags, id: string) => {
      const shown = await withTriggers(flags, async (runtime, store, webhooks) => {
        const sub = await audited(
          store,
          'retryTrigger',
          () => runtime.retry(id),
          () => id,
        );
        return sub === undefined ? null : view(sub, webhooks);
      });
      out.result({ trigger: shown }, () => (shown === null ? `disabled ${id}` : line(shown)));
    }),
  );
}
