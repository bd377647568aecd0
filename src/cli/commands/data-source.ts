/**
 * `keyway data-source <instance> <component> <key>`: runs a component's data source for an instance with the
 * stored connection (its token refreshed first when due) and prints its result, checked against its
 * `dataSourceType`.
 */
import type { Command } from 'commander';
import { findInstance, runDataSource } from '../../runtime';
import { collect, parseJsonObject, parseKeyValues } from '../args';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import { composeRuntime } from '../runtime';
import type { CommonFlags } from '../config';

interface DataSourceFlags extends CommonFlags {
  readonly inputs?: string;
  readonly input?: string[];
  readonly connection?: string[];
  readonly logs?: boolean;
}

/** Registers `keyway data-source`. */
export function registerDataSource(program: Command): void {
  withCommonOptions(
    program
      .command('data-source')
      .description("run a component data source for an instance with the instance's connections")
      .argument('<instance>', 'instance id or name')
      .argument('<component>', 'component key')
      .argument('<key>', 'data source key')
      .option('--inputs <json>', 'inputs as a JSON object, @file or - for stdin')
      .option('--input <key=value>', 'one input (repeatable; wins over --inputs)', collect)
      .option('--connection <input=name>', 'which instance connection fills a connection input', collect)
      .option('--logs', "also print the data source's log lines (stderr)"),
  ).action(
    cliAction(async (out, flags: DataSourceFlags, instanceRef: string, componentKey: string, key: string) => {
      const inputs = {
        ...parseJsonObject('--inputs', flags.inputs),
        ...parseKeyValues('--input', flags.input),
      };
      const connections = parseKeyValues('--connection', flags.connection);
      const run = await withStore(loadStoreConfig(flags), async (store) => {
        const { components, credentials } = composeRuntime(store);
        const instance = await findInstance(store, instanceRef);
        return runDataSource(
          { store, components, credentials },
          {
            instanceId: instance.id,
            componentKey,
            dataSourceKey: key,
            inputs,
            ...(Object.keys(connections).length > 0 ? { connections } : {}),
          },
        );
      });
      if (flags.logs === true) {
        for (const entry of run.logs) out.note(`[${entry.level}] ${entry.message}`);
      }
      const printed = {
        dataSourceType: run.dataSourceType,
        result: run.result,
        ...(run.supplementalData ? { supplementalData: run.supplementalData } : {}),
      };
      out.result(printed, () => JSON.stringify(run.result, null, 2));
    }),
  );
}
