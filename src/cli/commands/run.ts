/**
 * `keyway run <instance> <component> <action>`: runs a component action for an instance with the stored
 * connection (its token refreshed first when due), and prints what `perform` returned.
 */
import type { Command } from 'commander';
import { findInstance, runAction } from '../../runtime';
import { collect, parseJsonObject, parseKeyValues } from '../args';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import { composeRuntime } from '../runtime';
import type { CommonFlags } from '../config';

/** The flags `keyway run` and `keyway data-source` share. */
export interface RunFlags extends CommonFlags {
  readonly inputs?: string;
  readonly input?: string[];
  readonly connection?: string[];
  readonly logs?: boolean;
}

/** Adds the input, connection and log options of a run to `command`; `what` names what runs in the help. */
export function withRunOptions(command: Command, what: string): Command {
  return command
    .option('--inputs <json>', 'inputs as a JSON object, @file or - for stdin')
    .option('--input <key=value>', 'one input (repeatable; wins over --inputs)', collect)
    .option('--connection <input=name>', 'which instance connection fills a connection input', collect)
    .option('--logs', `also print the ${what}'s log lines (stderr)`);
}

/** The inputs and the connection choices the run flags give (`connections` only when any is given). */
export function runArguments(flags: RunFlags): {
  inputs: Record<string, unknown>;
  connections?: Record<string, string>;
} {
  const inputs = { ...parseJsonObject('--inputs', flags.inputs), ...parseKeyValues('--input', flags.input) };
  const connections = parseKeyValues('--connection', flags.connection);
  return { inputs, ...(Object.keys(connections).length > 0 ? { connections } : {}) };
}

/** Registers `keyway run`. */
export function registerRun(program: Command): void {
  withCommonOptions(
    withRunOptions(
      program
        .command('run')
        .description("run a component action for an instance with the instance's connections")
        .argument('<instance>', 'instance id or name')
        .argument('<component>', 'component key')
        .argument('<action>', 'action key'),
      'action',
    ),
  ).action(
    cliAction(async (out, flags: RunFlags, instanceRef: string, componentKey: string, actionKey: string) => {
      const args = runArguments(flags);
      const run = await withStore(loadStoreConfig(flags), async (store) => {
        const { components, credentials } = composeRuntime(store);
        const instance = await findInstance(store, instanceRef);
        return runAction(
          { store, components, credentials },
          { instanceId: instance.id, componentKey, actionKey, ...args },
        );
      });
      if (flags.logs === true) {
        for (const entry of run.logs) out.note(`[${entry.level}] ${entry.message}`);
      }
      out.result({ executionId: run.executionId, result: run.result }, () =>
        JSON.stringify(run.result, null, 2),
      );
      out.note(`execution ${run.executionId}`);
    }),
  );
}
