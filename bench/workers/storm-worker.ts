/**
 * One OS process of the refresh-storm benchmark (modelled on test/runtime/workers/storm-worker.ts). Usage:
 *   node --require tsx/cjs bench/workers/storm-worker.ts '<json job>'
 * with job = { config: StoreConfig, instanceId, connectionId }.
 *
 * Opens the shared store, loads the sandbox-demo component, warms up (runAction with the valid token for
 * ≥ 1 s and ≥ 3,000 calls, at most 5 s, 16 callers), prints `{"event":"ready"}`, then obeys one JSON command
 * per stdin line and answers each with `{"event":"done",...}`:
 *   {"cmd":"calls","n":250}  n concurrent runAction(getMe) calls
 *   {"cmd":"refresh"}         one getToken of the connection (the "one refresh alone" baseline)
 *   {"cmd":"exit"}
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isKeywayError } from '../../src/errors';
import { ComponentRegistry, CredentialManager, runAction } from '../../src/runtime';
import { openStore, type StoreConfig } from '../../src/store';
import { ROOT } from '../support/common';

interface Job {
  readonly config: StoreConfig;
  readonly instanceId: string;
  readonly connectionId: string;
}

const DEMO_BUNDLE = join(ROOT, 'components', 'sandbox-demo', 'dist', 'index.js');

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const store = await openStore({ ...job.config, migrate: false, poolMax: 5 });
  const components = new ComponentRegistry({ store });
  components.loadFromPath(DEMO_BUNDLE);
  const credentials = new CredentialManager({ store, components, lockTimeoutMs: 60_000 });
  const deps = { store, components, credentials };

  const call = async (): Promise<string | undefined> => {
    try {
      const run = await runAction(deps, {
        instanceId: job.instanceId,
        componentKey: 'sandboxDemo',
        actionKey: 'getMe',
      });
      const data = (run.result as { data?: { sub?: unknown } } | undefined)?.data;
      return data?.sub === 'sandbox-user' ? undefined : 'UNEXPECTED_RESULT';
    } catch (err) {
      return isKeywayError(err) ? err.code : 'NOT_A_KEYWAY_ERROR';
    }
  };

  const start = Date.now();
  let warmCalls = 0;
  const enough = (): boolean =>
    (warmCalls >= 3000 && Date.now() - start >= 1000) || Date.now() - start >= 5000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (!enough()) {
        warmCalls++;
        const failed = await call();
        if (failed) throw new Error(`warm-up call failed: ${failed}`);
      }
    }),
  );
  emit({ event: 'ready', pid: process.pid, warmCalls });

  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as { cmd: string; n?: number };
    if (command.cmd === 'exit') break;
    if (command.cmd === 'refresh') {
      await credentials.getToken(job.connectionId);
      emit({ event: 'done' });
      continue;
    }
    const codes: Record<string, number> = {};
    let ok = 0;
    await Promise.all(
      Array.from({ length: command.n ?? 0 }, async () => {
        const failed = await call();
        if (failed === undefined) ok++;
        else codes[failed] = (codes[failed] ?? 0) + 1;
      }),
    );
    emit({ event: 'done', ok, codes });
  }
  await store.close();
}

main().catch((err: unknown) => {
  emit({ event: 'crashed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
