/**
 * One OS process of the chaos test. Usage:
 *   node --require tsx/cjs test/runtime/workers/chaos-worker.ts '<json job>'
 * with job = { config: StoreConfig, instanceId, concurrency }.
 *
 * Opens the shared store, runs the background refresher (every 200 ms) and prints `{"event":"ready"}`; on a
 * `go` line it keeps `concurrency` `runAction(getMe)` calls going until a `stop` line. Then it calls until one
 * call succeeds again (20 s at most) and prints `{"event":"done","ok","codes","recovered"}`, with `last` (the
 * last failure) when it did not recover. Every failure is counted by code; anything that is not a KeywayError
 * counts as `NOT_A_KEYWAY_ERROR`. It exits on an `exit` line, so the parent can inspect the database while it
 * is still alive.
 */
import { createInterface } from 'node:readline';
import { isKeywayError } from '../../../src/errors';
import { ComponentRegistry, CredentialManager, runAction, startRefresher } from '../../../src/runtime';
import { openStore, type StoreConfig } from '../../../src/store';
import { DEMO_BUNDLE } from './fixture';

interface Job {
  readonly config: StoreConfig;
  readonly instanceId: string;
  readonly concurrency: number;
}

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const store = await openStore({ ...job.config, migrate: false, poolMax: 4 });
  const components = new ComponentRegistry({ store });
  components.loadFromPath(DEMO_BUNDLE);
  const credentials = new CredentialManager({ store, components, lockTimeoutMs: 20_000 });
  const codes: Record<string, number> = {};
  const refresher = startRefresher({
    store,
    credentials,
    owner: `chaos:${process.pid}`,
    intervalMs: 200,
    onError: (err) => {
      const code = `refresher:${isKeywayError(err) ? err.code : 'NOT_A_KEYWAY_ERROR'}`;
      codes[code] = (codes[code] ?? 0) + 1;
    },
  });

  const lines = createInterface({ input: process.stdin });
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  lines.on('line', (line) => {
    const word = line.trim();
    seen.add(word);
    waiters.get(word)?.();
  });
  const heard = (word: string): Promise<void> =>
    seen.has(word) ? Promise.resolve() : new Promise((resolve) => waiters.set(word, resolve));
  emit({ event: 'ready', pid: process.pid });
  await heard('go');

  let ok = 0;
  let last: { code: string; message: string } | undefined;
  const call = async (): Promise<boolean> => {
    try {
      await runAction(
        { store, components, credentials },
        { instanceId: job.instanceId, componentKey: 'sandboxDemo', actionKey: 'getMe' },
      );
      ok++;
      return true;
    } catch (err) {
      const code = isKeywayError(err) ? err.code : 'NOT_A_KEYWAY_ERROR';
      codes[code] = (codes[code] ?? 0) + 1;
      last = { code, message: err instanceof Error ? err.message : String(err) };
      return false;
    }
  };
  let stopping = false;
  void heard('stop').then(() => {
    stopping = true;
  });
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (!stopping) {
        await call();
        // A call can fail without I/O (served from the cached snapshot); without this turn of the event loop
        // such calls would run back to back in microtasks, and the `stop` line would never be read.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
  const deadline = Date.now() + 20_000;
  let recovered = false;
  while (!recovered && Date.now() < deadline) {
    recovered = await call();
    if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await refresher.stop();
  emit({ event: 'done', pid: process.pid, ok, codes, recovered, ...(recovered ? {} : { last }) });
  await heard('exit');
  lines.close();
  await store.close();
}

main().catch((err: unknown) => {
  emit({ event: 'crashed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
