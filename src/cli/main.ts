#!/usr/bin/env node
/**
 * The `keyway` command: the composition root. Reads flags and environment, wires store → runtime →
 * server, listens, exits. Each command lives in ./commands and registers itself here.
 */
import { Command } from 'commander';
import { version } from '../../package.json';

export function buildProgram(): Command {
  const program = new Command('keyway').description('Keyway connector runtime').version(version);
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
