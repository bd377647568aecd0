/**
 * A separate process that records executions and then simply ends, never closing its store: the execution
 * writer's thread must not keep it alive. Usage: node --require tsx/cjs test/store/record-child.ts <dataDir>
 * Prints one JSON line: how many records resolved and how many the store then lists.
 */
import { openStore } from '../../src/store';

async function main(): Promise<void> {
  const dataDir = process.argv[2] ?? '';
  const store = await openStore({ dataDir, notice: () => undefined });
  const customer = await store.createCustomer({ name: 'child' });
  const instance = await store.createInstance({ customerId: customer.id, name: 'child' });
  const recorded = await Promise.all(
    Array.from({ length: 50 }, () =>
      store.recordExecution({
        instanceId: instance.id,
        componentKey: 'c',
        actionKey: 'a',
        status: 'succeeded',
      }),
    ),
  );
  const stored = await store.listExecutions({ instanceId: instance.id, limit: 1000 });
  process.stdout.write(`${JSON.stringify({ recorded: recorded.length, stored: stored.length })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
