/**
 * Child processes that speak JSON lines: commands on stdin, events on stdout (the storm and refresher
 * workers). Modelled on the storm test's workers, with a queue so a parent can wait for the next event.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, benchScript } from './common';

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
