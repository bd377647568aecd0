/**
 * One Keyway replica as its own OS process, started the way `keyway serve` starts one: the configuration resolved
 * from the environment by `resolveServeConfig`, then `startKeywayServer` (store, runtime, poller, outbox delivery,
 * heartbeat, HTTP server). Usage:
 *   node --require tsx/cjs test/runtime/workers/serve-worker.ts '<json job>'
 * with job = { env: { KEYWAY_* }, postgresSchema?, timings? }.
 *
 * Prints `{"event":"ready","pid":…,"address":"http://127.0.0.1:…"}` once it listens; on a `stop` line on stdin
 * it closes (as on SIGTERM) and prints `{"event":"stopped"}`. Logs (warnings and up) go to stderr.
 */
import { createInterface } from 'node:readline';
import { createLogger, startKeywayServer } from '../../../src/cli/commands/serve';
import type { WorkerTimings } from '../../../src/cli/commands/serve';
import { resolveServeConfig } from '../../../src/cli/serve-config';

interface Job {
  readonly env: Record<string, string>;
  readonly postgresSchema?: string;
  readonly timings?: WorkerTimings;
}

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const config = resolveServeConfig({}, job.env);
  const store = {
    ...config.store,
    ...(job.postgresSchema !== undefined ? { postgresSchema: job.postgresSchema } : {}),
  };
  const logger = createLogger(config.serve.logLevel, 2);
  const running = await startKeywayServer({ ...config, store }, logger, job.timings);
  emit({ event: 'ready', pid: process.pid, address: running.address });
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line.trim() === 'stop') resolve();
    });
    lines.on('close', resolve);
  });
  lines.close();
  await running.close();
  logger.flush();
  emit({ event: 'stopped', pid: process.pid });
}

main().catch((err: unknown) => {
  emit({ event: 'crashed', pid: process.pid, message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
