/**
 * One OS process of a refresh storm. Usage:
 *   node --require tsx/cjs test/runtime/workers/storm-worker.ts '<json job>'
 * with job = { config: StoreConfig, instanceId, calls, lockLeaseMs? }.
 *
 * Opens the shared store, loads the sandbox-demo component, prints `{"event":"ready"}`, waits for a `go` line on
 * stdin (so every process starts at once), then fires `calls` concurrent `runAction(getMe)` calls. Prints
 * `{"event":"token-request"}` just before each token endpoint request leaves this process (the parent uses it
 * to SIGKILL a process mid-refresh) and finally `{"event":"done","ok":n,"failed":n,"codes":{...}}`.
 */
import { createInterface } from 'node:readline';
import { isKeywayError } from '../../../src/errors';
import { httpTransport, type Transport } from '../../../src/oauth';
import { ComponentRegistry, CredentialManager, runAction } from '../../../src/runtime';
import { openStore, type StoreConfig } from '../../../src/store';
import { DEMO_BUNDLE } from './fixture';

interface Job {
  readonly config: StoreConfig;
  readonly instanceId: string;
  readonly calls: number;
  readonly lockLeaseMs?: number;
}

function emit(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const store = await openStore({ ...job.config, migrate: false, poolMax: 5 });
  const components = new ComponentRegistry({ store });
  components.loadFromPath(DEMO_BUNDLE);
  const transport: Transport = (request, options) => {
    emit({ event: 'token-request', pid: process.pid });
    // Lets the test's proxy tell which process sent the request it holds.
    return httpTransport(
      { ...request, headers: { ...request.headers, 'x-storm-pid': String(process.pid) } },
      options,
    );
  };
  const credentials = new CredentialManager({
    store,
    components,
    transport,
    lockTimeoutMs: 60_000,
    ...(job.lockLeaseMs !== undefined ? { lockLeaseMs: job.lockLeaseMs } : {}),
  });

  const lines = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      if (line.trim() === 'go') resolve();
    });
  });
  emit({ event: 'ready', pid: process.pid });
  await go;
  lines.close();

  const codes: Record<string, number> = {};
  // The first failure of each code, with its causes: what a failed storm prints, so a flake can be read.
  const why: Record<string, string> = {};
  let ok = 0;
  await Promise.all(
    Array.from({ length: job.calls }, async () => {
      try {
        const run = await runAction(
          { store, components, credentials },
          { instanceId: job.instanceId, componentKey: 'sandboxDemo', actionKey: 'getMe' },
        );
        const data = (run.result as { data?: { sub?: unknown } } | undefined)?.data;
        if (data?.sub === 'sandbox-user') ok++;
        else codes['UNEXPECTED_RESULT'] = (codes['UNEXPECTED_RESULT'] ?? 0) + 1;
      } catch (err) {
        const code = isKeywayError(err) ? err.code : 'NOT_A_KEYWAY_ERROR';
        codes[code] = (codes[code] ?? 0) + 1;
        why[code] ??= describe(err);
      }
    }),
  );
  emit({ event: 'done', pid: process.pid, ok, failed: job.calls - ok, codes, why });
  await store.close();
}

/** An error's message and its causes' codes and messages, one line. */
function describe(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    parts.push(
      `${typeof code === 'string' ? `${code}: ` : ''}${typeof message === 'string' ? message : '?'}`,
    );
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(' <- ') : JSON.stringify(err);
}

main().catch((err: unknown) => {
  emit({ event: 'crashed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
});
