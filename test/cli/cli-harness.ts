/**
 * Runs `keyway` commands in-process through commander, capturing what they print and the exit code, against a
 * temporary SQLite data dir. Environment variables that would point a command elsewhere are cleared per run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main';

/** What one command run printed. */
export interface CliRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  json<T = Record<string, unknown>>(): T;
}

const KEYWAY_ENV = [
  'KEYWAY_DATABASE_URL',
  'KEYWAY_DATA_DIR',
  'KEYWAY_ENCRYPTION_KEYS',
  'KEYWAY_LINK_SECRET',
  'KEYWAY_PUBLIC_URL',
  'KEYWAY_PORT',
  'KEYWAY_ENCRYPTION_PRIMARY_KEY',
  'KEYWAY_WEBHOOKS',
  'KEYWAY_LOG_LEVEL',
];

/** A fresh data dir for one test file. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'keyway-cli-'));
}

/**
 * Runs `keyway <args...>`. Commander's own usage errors (unknown option, missing argument) are captured too and
 * reported with exit code 1 instead of exiting the test process.
 */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const saved = new Map(KEYWAY_ENV.map((name) => [name, process.env[name]]));
  for (const name of KEYWAY_ENV) delete process.env[name];
  Object.assign(process.env, env);
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  let exitCode = 0;
  try {
    const program = buildProgram();
    const capture = (command: Command): void => {
      command.exitOverride();
      command.configureOutput({
        writeOut: (text) => {
          stdout += text;
        },
        writeErr: (text) => {
          stderr += text;
        },
      });
      for (const sub of command.commands) capture(sub);
    };
    capture(program);
    await program.parseAsync(['node', 'keyway', ...args]);
    exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    exitCode = 1;
    stderr += `${error instanceof Error ? error.message : String(error)}\n`;
  } finally {
    process.exitCode = undefined;
    out.mockRestore();
    err.mockRestore();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    for (const name of Object.keys(env)) if (!saved.has(name)) delete process.env[name];
  }
  return {
    stdout,
    stderr,
    exitCode,
    json: <T>() => JSON.parse(stdout) as T,
  };
}
