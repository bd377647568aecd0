#!/usr/bin/env node
/**
 * The `keyway` command: the composition root. Reads flags and environment, wires store → runtime →
 * server, listens, exits. Each command lives in ./commands and registers itself here.
 */
import { Command } from 'commander';
import { version } from '../../package.json';
import { registerDemo } from './commands/demo';
import { registerStoreCommands } from './commands/store';
import { registerServe } from './commands/serve';
import { registerSandbox } from './commands/sandbox';
import { registerComponentCommands } from './commands/components';
import { registerInstanceCommands } from './commands/instances';
import { registerInstanceChanges } from './commands/instance-changes';
import { registerCustomerCommands } from './commands/customers';
import { registerConnectLink } from './commands/connect-link';
import { registerConnectionCommands } from './commands/connections';
import { registerRun } from './commands/run';
import { registerDataSource } from './commands/data-source';
import { registerApiKeyCommands } from './commands/api-keys';
import { registerOAuthAppCommands } from './commands/oauth-apps';
import { registerInit } from './commands/init';
import { registerStart } from './commands/start';
import { registerTriggerCommands } from './commands/triggers';
import { registerWebhookCommands } from './commands/webhooks';

export function buildProgram(): Command {
  const program = new Command('keyway').description('Keyway connector runtime').version(version);
  registerDemo(program);
  registerStoreCommands(program);
  registerServe(program);
  registerSandbox(program);
  registerComponentCommands(program);
  registerCustomerCommands(program);
  registerInstanceChanges(registerInstanceCommands(program));
  registerConnectLink(program);
  registerConnectionCommands(program);
  registerRun(program);
  registerDataSource(program);
  registerTriggerCommands(program);
  registerApiKeyCommands(program);
  registerWebhookCommands(program);
  registerOAuthAppCommands(program);
  registerInit(program);
  registerStart(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    });
}
