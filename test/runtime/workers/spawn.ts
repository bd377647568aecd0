/**
 * Worker processes for the multi-process tests: a script run under tsx with a JSON job, printing one JSON object
 * per line (`{"event": ...}`); `waitFor` resolves on an event, rejects when the worker crashed or exited first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '../../..');

/** One JSON line a worker printed. */
export interface Message {
  readonly event: string;
  readonly pid?: number;
  readonly ok?: number;
  readonly failed?: number;
  readonly codes?: Record<string, number>;
  /** The first failure of each code in `codes`, described. */
  readonly why?: Record<string, string>;
  readonly message?: string;
  readonly recovered?: boolean;
  readonly address?: string;
}

/** A worker process and what it printed. */
export interface Worker {
  readonly child: ChildProcess;
  readonly messages: Message[];
  waitFor(event: string, timeoutMs: number): Promise<Message>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `script` under tsx with `job` as its JSON argument, reading its JSON-lines stdout. */
export function spawnWorker(script: string, job: Record<string, unknown>): Worker {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', script, JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages: Message[] = [];
  const waiters: (() => void)[] = [];
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  if (!child.stdout) throw new Error('no stdout');
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as Message);
    } catch {
      return;
    }
    for (const wake of waiters.splice(0)) wake();
  });
  // 'close', not 'exit': a worker that printed "done" and exited may still have that line in the pipe when
  // 'exit' fires; 'close' comes after its stdout and stderr were read to the end.
  let closed = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('close', (code, signal) => {
      closed = true;
      for (const wake of waiters.splice(0)) wake();
      done({ code, signal });
    });
  });
  return {
    child,
    messages,
    exited,
    stderr: () => err,
    waitFor(event, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      return new Promise<Message>((resolvePromise, reject) => {
        const check = (): void => {
          const found = messages.find((m) => m.event === event || m.event === 'crashed');
          if (found?.event === 'crashed') reject(new Error(`worker crashed: ${found.message}\n${err}`));
          else if (found) resolvePromise(found);
          else if (closed) reject(new Error(`worker exited before "${event}"\n${err}`));
          else if (Date.now() > deadline) reject(new Error(`timed out waiting for "${event}"\n${err}`));
          else {
            waiters.push(check);
            setTimeout(check, Math.max(0, deadline - Date.now()) + 5).unref();
          }
        };
        check();
      });
    },
  };
}
