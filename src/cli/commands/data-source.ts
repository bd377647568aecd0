/**
 * `keyway data-source <instance> <component> <key>`: runs a component's data source for an instance with the
 * stored connection (its token refreshed first when due) and prints its result, checked against its
 * `dataSourceType`.
 */
import type { Command } from 'commander';
import { findInstance, runDataSource } from '../../runtime';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import { composeRuntime } from '../runtime';
import { runArguments, withRunOptions } from './run';
import type { RunFlags } from './run';

/** Registers `keyway data-source`. */
export function registerDataSource(program: Command): void {
  withCommonOptions(
    withRunOptions(
      program
        .command('data-source')
        .description("run a component data source for an instance with the instance's connections")
        .argument('<instance>', 'instance id or name')
        .argument('<component>', 'component key')
        .argument('<key>', 'data source key'),
      'data source',
    ),
  ).action(
    cliAction(async (out, flags: RunFlags, instanceRef: string, componentKey: string, key: string) => {
      const args = runArguments(flags);
      const run = await withStore(loadStoreConfig(flags), async (store) => {
        const { components, credentials } = composeRuntime(store);
        const instance = await findInstance(store, instanceRef);
        return runDataSource(
          { store, components, credentials },
          { instanceId: instance.id, componentKey, dataSourceKey: key, ...args },
        );
      });
      if (flags.logs === true) {
        for (const entry of run.logs) out.note(`[${entry.level}] ${entry.message}`);
      }
      const printed = {
        executionId: run.executionId,
        dataSourceType: run.dataSourceType,
        result: run.result,
        ...(run.supplementalData ? { supplementalData: run.supplementalData } : {}),
      };
      out.result(printed, () => JSON.stringify(run.result, null, 2));
    }),
  );
}
