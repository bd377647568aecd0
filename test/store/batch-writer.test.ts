/**
 * The group-commit writer on its own, with an in-process fake database so batching and failures can be
 * observed exactly. The engines' behaviour with real rows is in the store contract (executions).
 */
import { BatchWriter } from '../../src/store/batch-writer';

/** A fake table: what was committed, and every write call as the list of rows it carried. */
function fakeTable(options: { failMany?: boolean; badRow?: number } = {}): {
  committed: number[];
  calls: { kind: 'many' | 'one'; rows: number[] }[];
  writer: BatchWriter<number>;
  release: () => void;
  hold: () => void;
} {
  const committed: number[] = [];
  const calls: { kind: 'many' | 'one'; rows: number[] }[] = [];
  let gate: Promise<void> | undefined;
  let open = (): void => undefined;
  const commit = async (kind: 'many' | 'one', rows: readonly number[]): Promise<void> => {
    calls.push({ kind, rows: [...rows] });
    if (gate) await gate;
    if (options.badRow !== undefined && rows.includes(options.badRow))
      throw new Error(`row ${options.badRow}`);
    if (kind === 'many' && options.failMany) throw new Error('batch refused');
    committed.push(...rows);
  };
  const writer = new BatchWriter<number>({
    writeMany: (rows) => commit('many', rows),
    writeOne: (row) => commit('one', [row]),
    maxBatch: 4,
  });
  return {
    committed,
    calls,
    writer,
    hold: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
    release: () => {
      gate = undefined;
      open();
    },
  };
}

describe('BatchWriter', () => {
  it('writes rows queued in the same turn as one batch', async () => {
    const table = fakeTable();
    await Promise.all([1, 2, 3].map((row) => table.writer.write(row)));
    expect(table.calls).toEqual([{ kind: 'many', rows: [1, 2, 3] }]);
    expect(table.committed).toEqual([1, 2, 3]);
  });

  it('sends a full batch at once, and queues the rows after it for the next', async () => {
    const table = fakeTable();
    table.hold();
    const written = [1, 2, 3, 4, 5, 6].map((row) => table.writer.write(row));
    // The first four filled a batch, which left before the turn ended and is held; 5 and 6 wait for it.
    expect(table.calls).toEqual([{ kind: 'many', rows: [1, 2, 3, 4] }]);
    table.release();
    await Promise.all(written);
    expect(table.calls.map((call) => call.rows)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(table.committed).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('splits a long queue into batches of at most maxBatch rows', async () => {
    const table = fakeTable();
    await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map((row) => table.writer.write(row)));
    expect(table.calls.map((call) => call.rows)).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]]);
    expect(table.committed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('resolves a caller only once its batch is committed', async () => {
    const table = fakeTable();
    table.hold();
    let settled = false;
    const written = table.writer.write(1).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.calls).toHaveLength(1);
    expect(settled).toBe(false);
    table.release();
    await written;
    expect(table.committed).toEqual([1]);
  });

  it('groups the rows that arrive while a batch is in flight into the next one', async () => {
    const table = fakeTable();
    table.hold();
    const first = table.writer.write(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((row) => table.writer.write(row));
    table.release();
    await Promise.all([first, ...later]);
    expect(table.calls.map((call) => call.rows)).toEqual([[1], [2, 3, 4]]);
  });

  it('falls back to one write per row when a batch fails, so only the bad row is rejected', async () => {
    const table = fakeTable({ badRow: 2 });
    const outcomes = await Promise.allSettled([1, 2, 3].map((row) => table.writer.write(row)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]?.status === 'rejected' && String(outcomes[1].reason)).toBe('Error: row 2');
    expect([...table.committed].sort()).toEqual([1, 3]);
    expect(table.calls[0]).toEqual({ kind: 'many', rows: [1, 2, 3] });
  });

  it('still records every row when the batch statement itself is refused', async () => {
    const table = fakeTable({ failMany: true });
    await Promise.all([1, 2].map((row) => table.writer.write(row)));
    expect([...table.committed].sort()).toEqual([1, 2]);
  });

  it('waits in idle() until every queued row has settled', async () => {
    const table = fakeTable();
    const written = [1, 2].map((row) => table.writer.write(row));
    await table.writer.idle();
    expect(table.committed).toEqual([1, 2]);
    await Promise.all(written);
  });
});
