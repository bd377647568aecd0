/**
 * `keyway instances update|delete`: changing and removing an instance through the REST API's own operations
 * (`composeApiServices`), so each does exactly what `PATCH` / `DELETE /api/instances/:id` do. The instance is
 * named by id or name, as everywhere (`KW_INSTANCE_AMBIGUOUS` for a name two instances carry).
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { findInstance } from '../../runtime';
import { UpdateInstanceBodySchema } from '../../server';
import type { InstancePatchInput } from '../../server';
import { collect, parseJsonValues, parseKeyValues } from '../args';
import { cliAction, loadServeConfig, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags, LoadedServeConfig } from '../config';
import { composeApiServices, requirePublicUrlForHooks } from '../runtime';
import { fieldsFromFlags, printInstance, summarizeInstance } from './instances';

/** The `--public-url` option of a command that may run trigger hooks. */
export const PUBLIC_URL_OPTION = [
  '--public-url <url>',
  'URL Keyway is reached at, told to trigger hooks (env KEYWAY_PUBLIC_URL, or publicUrl in --config)',
] as const;

/** The configured public URL (flag, environment or file), or `undefined` when none is. */
export function publicUrlOf(config: LoadedServeConfig): string | undefined {
  return config.serve.publicUrl === undefined ? undefined : config.server.publicBaseUrl;
}

interface UpdateFlags extends CommonFlags {
  readonly name?: string;
  readonly status?: string;
  readonly configVar?: string[];
  readonly configVarJson?: string[];
  readonly unsetConfigVar?: string[];
  readonly field?: string[];
  readonly fieldJson?: string[];
}

/** The flags as the API's `PATCH /api/instances/:id` body, checked by the same schema. */
function patchOf(flags: UpdateFlags): InstancePatchInput {
  const config: Record<string, unknown> = {
    ...parseKeyValues('--config-var', flags.configVar),
    ...parseJsonValues('--config-var-json', flags.configVarJson),
  };
  for (const key of flags.unsetConfigVar ?? []) config[key] = null;
  const fields = fieldsFromFlags(flags);
  const body = {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.status !== undefined ? { status: flags.status } : {}),
    ...(Object.keys(config).length > 0 ? { config } : {}),
    ...(Object.keys(fields).length > 0
      ? {
          connections: Object.fromEntries(
            Object.entries(fields).map(([name, values]) => [name, { fields: values }]),
          ),
        }
      : {}),
  };
  if (Object.keys(body).length === 0) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message:
        'Nothing to change: give --name, --status, --config-var, --config-var-json, --unset-config-var, --field or --field-json',
    });
  }
  const parsed = UpdateInstanceBodySchema.safeParse(body);
  if (!parsed.success) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
  }
  return parsed.data;
}

/** Registers `keyway instances update|delete` on the `instances` command. */
export function registerInstanceChanges(instances: Command): void {
  withCommonOptions(
    instances
      .command('update')
      .description(
        'change an instance’s name, status, config or connection fields (nothing changes on a bad value)',
      )
      .argument('<instance>', 'instance id or name')
      .option('--name <name>', 'new name')
      .option('--status <status>', 'active or paused')
      .option('--config-var <key=value>', 'set an instance config value (repeatable)', collect)
      .option('--config-var-json <key=json>', 'set an instance config value as JSON (repeatable)', collect)
      .option('--unset-config-var <key>', 'remove an instance config value (repeatable)', collect)
      .option('--field <connection.field=value>', 'set a connection field value (repeatable)', collect)
      .option(
        '--field-json <connection.field=json>',
        'set a connection field value as JSON (repeatable)',
        collect,
      ),
  ).action(
    cliAction(async (out, flags: UpdateFlags, ref: string) => {
      const patch = patchOf(flags);
      const summary = await withStore(loadStoreConfig(flags), async (store) => {
        const { id } = await findInstance(store, ref);
        await composeApiServices(store).updateInstance(id, patch);
        return summarizeInstance(store, await findInstance(store, id));
      });
      out.result({ instance: summary }, () => printInstance(summary));
    }),
  );

  withCommonOptions(
    instances
      .command('delete')
      .description(
        "delete an instance: its triggers' onInstanceDelete, then its connections disconnected (and revoked)",
      )
      .argument('<instance>', 'instance id or name')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(async (out, flags: CommonFlags & { publicUrl?: string }, ref: string) => {
      const config = loadServeConfig(flags);
      const publicBaseUrl = publicUrlOf(config);
      const deleted = await withStore(config.store, async (store) => {
        const { id, name } = await findInstance(store, ref);
        await requirePublicUrlForHooks(store, [id], publicBaseUrl);
        await composeApiServices(store, { publicBaseUrl }).deleteInstance(id);
        return { id, name };
      });
      out.result({ deleted }, () => `deleted instance ${deleted.id} "${deleted.name}"`);
    }),
  );
}
