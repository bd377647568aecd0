/** The store contract: executions. */
import { randomUUID } from 'node:crypto';
import { isKeywayError } from '../../../src/errors';
import type { FinishedExecution, Store } from '../../../src/store';
import type { KyselyStore } from '../../../src/store/kysely-store';
import { expectCode } from './context';
import type { ContractContext } from './context';

/** Executions: started and finished, recorded in one call, alone or in concurrent groups. */
export function executionsContract(ctx: ContractContext): void {
  describe('executions', () => {
    executionRunsContract(ctx);
    executionGroupsContract(ctx);
  });
}

/** Single runs, and many concurrent ones, each readable once recorded. */
function executionRunsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  it('records a run with its duration, error code and redacted log', async () => {
    const { instanceId } = await fixture();
    const started = await store.createExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      startedAt: 1000,
    });
    expect(started.status).toBe('running');
    const finished = await store.finishExecution(started.id, {
      status: 'failed',
      finishedAt: 1250,
      errorCode: 'KW_ACTION_FAILED',
      errorMessage: 'boom',
      log: [{ at: 1100, level: 'info', message: 'calling [REDACTED]' }],
    });
    expect(finished).toMatchObject({ durationMs: 250, errorCode: 'KW_ACTION_FAILED', status: 'failed' });
    expect(await store.listExecutions({ instanceId })).toEqual([finished]);
  });

  it('records a finished run in one call exactly as start and finish would leave it', async () => {
    const { instanceId } = await fixture();
    const log = [{ at: 2100, level: 'warn', message: 'retrying once' }] as const;
    const recorded = await store.recordExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      startedAt: 2000,
      status: 'succeeded',
      finishedAt: 2040,
      log,
    });
    expect(recorded).toMatchObject({
      status: 'succeeded',
      startedAt: 2000,
      finishedAt: 2040,
      durationMs: 40,
      errorCode: null,
      errorMessage: null,
      log,
    });
    expect(await store.getExecution(recorded.id)).toEqual(recorded);
    const twoStep = await store.createExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      startedAt: 3000,
    });
    const finished = await store.finishExecution(twoStep.id, {
      status: 'succeeded',
      finishedAt: 3040,
      log,
    });
    expect({ ...recorded, id: twoStep.id, startedAt: 3000, finishedAt: 3040 }).toEqual(finished);
    await expectCode(
      store.recordExecution({
        id: recorded.id,
        instanceId,
        componentKey: 'c',
        actionKey: 'a',
        status: 'failed',
      }),
      'KW_STORE_CONFLICT',
    );
    await expectCode(
      store.recordExecution({
        instanceId: 'no-such-instance',
        componentKey: 'c',
        actionKey: 'a',
        status: 'failed',
      }),
      'KW_STORE_NOT_FOUND',
    );
  });
  it('records many concurrent runs, each readable as soon as its own call resolves', async () => {
    const { instanceId } = await fixture();
    // More than one batch's worth, all issued in the same turn so they are grouped.
    const ids = Array.from({ length: 150 }, () => randomUUID());
    const seenAtResolve = await Promise.all(
      ids.map((id, i) =>
        store
          .recordExecution({
            id,
            instanceId,
            componentKey: 'c',
            actionKey: 'a',
            startedAt: 5000 + i,
            status: i % 2 === 0 ? 'succeeded' : 'failed',
            finishedAt: 5100 + i,
            ...(i % 2 === 0 ? {} : { errorCode: 'KW_ACTION_FAILED', errorMessage: `run ${i} failed` }),
            log: [{ at: 5050 + i, level: 'info', message: `run ${i}` }],
          })
          // Durable before it resolves: read back right when this caller is told it is recorded.
          .then(async (recorded) => ({ recorded, stored: await store.getExecution(id) })),
      ),
    );
    for (const [i, { recorded, stored }] of seenAtResolve.entries()) {
      expect(stored).toEqual(recorded);
      expect(recorded).toMatchObject({ id: ids[i], durationMs: 100, log: [{ message: `run ${i}` }] });
    }
    expect(await store.listExecutions({ instanceId, limit: 1000 })).toHaveLength(ids.length);
  });
}

/** Concurrent groups of records where some rows are bad, and record validation. */
function executionGroupsContract(ctx: ContractContext): void {
  let store: Store;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
  });

  it('fails only the bad rows of a concurrent group of execution records', async () => {
    const { instanceId } = await fixture();
    const existing = await store.recordExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      status: 'succeeded',
    });
    const twice = randomUUID();
    const run = (id: string, instance = instanceId): Promise<unknown> =>
      store.recordExecution({
        id,
        instanceId: instance,
        componentKey: 'c',
        actionKey: 'a',
        status: 'failed',
      });
    const good = Array.from({ length: 20 }, () => randomUUID());
    const outcomes = await Promise.allSettled([
      ...good.slice(0, 10).map((id) => run(id)),
      run(existing.id),
      run(randomUUID(), 'no-such-instance'),
      run(twice),
      run(twice),
      ...good.slice(10).map((id) => run(id)),
    ]);
    const codeOf = (outcome: PromiseSettledResult<unknown> | undefined): string =>
      outcome?.status === 'rejected' && isKeywayError(outcome.reason) ? outcome.reason.code : 'resolved';
    expect(outcomes.slice(0, 10).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(outcomes.slice(14).every((o) => o.status === 'fulfilled')).toBe(true);
    expect(codeOf(outcomes[10])).toBe('KW_STORE_CONFLICT');
    expect(codeOf(outcomes[11])).toBe('KW_STORE_NOT_FOUND');
    // The same new id twice in one group: exactly one of them is recorded.
    expect([codeOf(outcomes[12]), codeOf(outcomes[13])].sort()).toEqual(['KW_STORE_CONFLICT', 'resolved']);
    for (const id of [...good, twice]) expect(await store.getExecution(id)).toMatchObject({ id });
    expect(await store.getExecution(existing.id)).toEqual(existing);
    expect(await store.listExecutions({ instanceId, limit: 1000 })).toHaveLength(good.length + 2);
  });

  it('records concurrent execution records, failing only the bad ones with their own code', async () => {
    const { instanceId } = await fixture();
    const existing = await store.recordExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      status: 'succeeded',
    });
    const record = (id: string, instance = instanceId): Promise<unknown> =>
      store.recordExecution({
        id,
        instanceId: instance,
        componentKey: 'c',
        actionKey: 'a',
        startedAt: 7000,
        status: 'succeeded',
        finishedAt: 7025,
        log: [],
      });
    const good = Array.from({ length: 30 }, () => randomUUID());
    const orphan = randomUUID();
    // Written together: they share commits, and a bad record fails only its own promise.
    const outcomes = await Promise.allSettled([
      ...good.map((id) => record(id)),
      record(existing.id),
      record(orphan, 'no-such-instance'),
    ]);
    const codeOf = (outcome: PromiseSettledResult<unknown> | undefined): string =>
      outcome?.status === 'rejected'
        ? isKeywayError(outcome.reason)
          ? outcome.reason.code
          : String(outcome.reason)
        : 'recorded';
    expect(outcomes.map(codeOf)).toEqual([
      ...good.map(() => 'recorded'),
      'KW_STORE_CONFLICT',
      'KW_STORE_NOT_FOUND',
    ]);
    for (const id of good) {
      expect(await store.getExecution(id)).toMatchObject({
        id,
        status: 'succeeded',
        durationMs: 25,
        log: [],
      });
    }
    expect(await store.getExecution(existing.id)).toEqual(existing);
    expect(await store.getExecution(orphan)).toBeUndefined();
  });

  it('stores a record with its defaults filled and only the three fields of each log entry', async () => {
    const { instanceId } = await fixture();
    const log = [
      { at: 7001, level: 'info' as const, message: 'one', extra: 'dropped' },
      { at: 7002, level: 'warn' as const, message: 'two' },
    ];
    const recorded = await store.recordExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      status: 'failed',
      errorCode: 'KW_ACTION_FAILED',
      errorMessage: 'it broke',
      log,
    } satisfies FinishedExecution);
    expect(await store.getExecution(recorded.id)).toEqual(recorded);
    expect(recorded.id).toMatch(/^[0-9a-f-]{36}$/);
    // No start or finish given: both are the same reading of the store's clock.
    expect(recorded.startedAt).toBe(recorded.finishedAt);
    expect(recorded.durationMs).toBe(0);
    // As stored, not only as read back: nothing but the three fields reaches the database.
    const row = await (store as unknown as KyselyStore).db
      .selectFrom('executions')
      .select('log')
      .where('id', '=', recorded.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.log)).toEqual([
      { at: 7001, level: 'info', message: 'one' },
      { at: 7002, level: 'warn', message: 'two' },
    ]);
  });

  it('rejects an invalid execution record at once, without touching the others', async () => {
    const { instanceId } = await fixture();
    const valid = store.recordExecution({
      instanceId,
      componentKey: 'c',
      actionKey: 'a',
      status: 'succeeded',
    });
    await expectCode(
      store.recordExecution({ instanceId, componentKey: '', actionKey: 'a', status: 'succeeded' }),
      'KW_STORE_INVALID_INPUT',
    );
    expect(await store.getExecution((await valid).id)).toEqual(await valid);
  });
}
