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
import { collect } from '../args';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { composeApiServices } from '../runtime';
import { PUBLIC_URL_OPTION, deleteThroughApi, parseLikeApi } from './api-changes';
import {
  configVarsFromFlags,
  fieldsFromFlags,
  showInstance,
  summarizeInstance,
  withValueOptions,
} from './instances';

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
  const config = configVarsFromFlags(flags);
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
  return parseLikeApi(UpdateInstanceBodySchema, body);
}

/** Registers `keyway instances update|delete` on the `instances` command. */
export function registerInstanceChanges(instances: Command): void {
  withCommonOptions(
    withValueOptions(
      instances
        .command('update')
        .description(
          'change an instance’s name, status, config or connection fields (nothing changes on a bad value)',
        )
        .argument('<instance>', 'instance id or name')
        .option('--name <name>', 'new name')
        .option('--status <status>', 'active or paused')
        .option('--unset-config-var <key>', 'remove an instance config value (repeatable)', collect),
      'set ',
    ),
  ).action(
    cliAction(async (out, flags: UpdateFlags, ref: string) => {
      const patch = patchOf(flags);
      const summary = await withStore(loadStoreConfig(flags), async (store) => {
        const { id } = await findInstance(store, ref);
        await audited(
          store,
          'updateInstance',
          () => composeApiServices(store).updateInstance(id, patch),
          () => id,
        );
        return summarizeInstance(store, await findInstance(store, id));
      });
      showInstance(out, summary);
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
      const { id, name } = await deleteThroughApi(
        flags,
        'deleteInstance',
        async (store) => {
          const instance = await findInstance(store, ref);
          return { id: instance.id, name: instance.name, instanceIds: [instance.id] };
        },
        (api, instanceId) => api.deleteInstance(instanceId),
      );
      out.result({ deleted: { id, name } }, () => `deleted instance ${id} "${name}"`);
    }),
  );
}
