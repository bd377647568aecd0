/**
 * Child processes that speak JSON lines: commands on stdin, events on stdout (the storm and refresher
 * workers). Modelled on the storm test's workers, with a queue so a parent can wait for the next event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { QUICK } from '../run';
import type { BenchRow, BenchSection } from '../run';
import { CLIENT_SECRET, CLIENT_SECRET_ENV, ROOT, benchEngines, benchScript, startFastServer } from './common';

/** A message a worker printed. */
export interface WorkerMessage {
  readonly event: string;
  readonly [key: string]: unknown;
}

/** A running worker process. */
export interface BenchWorker {
  readonly child: ChildProcess;
  send(command: Record<string, unknown>): void;
  /** The next message not yet taken; rejects on `crashed`, exit or timeout. */
  next(timeoutMs: number): Promise<WorkerMessage>;
  /** Ends the process (SIGKILL if it does not exit within 5 s of `exit`). */
  stop(): Promise<void>;
}

/**
 * Spawns the bench child script `name` (e.g. `workers/storm-worker`, see {@link benchScript}) with a JSON job,
 * and `env` added to this process's environment.
 */
export function spawnWorker(
  name: string,
  job: Record<string, unknown>,
  env: Readonly<Record<string, string>> = {},
): BenchWorker {
  const child = spawn(process.execPath, [...benchScript(name), JSON.stringify(job)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  if (!child.stdout) throw new Error('worker has no stdout');
  // A worker that died has closed its stdin: writing to it must not crash the bench (EPIPE) and hide why it died.
  child.stdin?.on('error', () => undefined);
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      queue.push(JSON.parse(line) as WorkerMessage);
    } catch {
      return;
    }
    wake?.();
  });
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      wake?.();
      done();
    }),
  );
  return {
    child,
    send(command) {
      child.stdin?.write(`${JSON.stringify(command)}\n`);
    },
    async next(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const message = queue.shift();
        if (message?.event === 'crashed')
          throw new Error(`worker crashed: ${String(message['message'])}\n${stderr}`);
        if (message) return message;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`worker timed out\n${stderr}`);
        await new Promise<void>((resolvePromise) => {
          wake = resolvePromise;
          setTimeout(resolvePromise, Math.min(1000, Math.max(0, deadline - Date.now()) + 5)).unref();
        });
        wake = undefined;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.write(`${JSON.stringify({ cmd: 'exit' })}\n`);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * A section whose rows `workers/action-worker` measures (`rows` says which: the action section's or the
 * budgets'), each engine in a process of its own, one after the other, against one fast server started here.
 */
export function actionWorkerSection(
  rows: 'action' | 'budgets',
  notes: readonly string[],
  /** How long one engine's rows may take. */
  timeoutMs: number,
): BenchSection {
  return {
    name: rows,
    async setup() {
      const { engines, unavailable } = await benchEngines();
      const variants = engines.map((engine) => engine.variant);
      // The workers make engines of their own (PostgreSQL: a throw-away schema each).
      for (const engine of engines) await engine.dispose();
      const server = await startFastServer();
      return {
        unavailable,
        notes: [...notes],
        measure: async () => {
          const measured: BenchRow[] = [];
          for (const variant of variants) {
            const worker = spawnWorker(
              'workers/action-worker',
              { variant, serverUrl: server.url, rows },
              { [CLIENT_SECRET_ENV]: CLIENT_SECRET, ...(QUICK ? { KEYWAY_BENCH_QUICK: '1' } : {}) },
            );
            try {
              const message = await worker.next(timeoutMs);
              if (message.event !== 'rows') throw new Error(`${rows} worker said ${message.event}`);
              measured.push(...(message['rows'] as BenchRow[]));
            } finally {
              await worker.stop();
            }
          }
          return measured;
        },
        teardown: () => server.close(),
      };
    },
  };
}
