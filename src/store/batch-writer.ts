/**
 * Group commit: rows written concurrently by one process go to the database together, as one multi-row
 * statement (one transaction, one commit) instead of one commit each. Every caller's promise settles only
 * after its own row is committed — or has failed on its own: when a batch fails, its rows are written again
 * one by one, so one bad row (a duplicate id, a missing instance) cannot fail the others.
 *
 * The rows of a batch share one promise: a caller waits on its batch and then looks up its own row's outcome,
 * so a row costs an array slot, not a promise and two settle functions of its own.
 */

/** How {@link BatchWriter} writes. */
export interface BatchWriterOptions<T> {
  /** Writes every row in one statement; either all are committed or none is. */
  readonly writeMany: (rows: readonly T[]) => Promise<void>;
  /** Writes one row on its own. */
  readonly writeOne: (row: T) => Promise<void>;
  /** A batch holds at most this many rows; it leaves at once when full. */
  readonly maxBatch: number;
}

/** Rows that go in one statement, and what became of them. */
export class Batch<T> {
  readonly rows: T[] = [];
  /** The error of each row that failed on its own; most batches have none. */
  failures: Map<T, Error> | undefined;
  /** Settles (never rejects) once every row is committed or has failed. */
  readonly settled: Promise<void>;
  done!: () => void;

  constructor() {
    this.settled = new Promise<void>((resolve) => (this.done = resolve));
  }

  /** After {@link Batch.settled}: throws the error of writing `row` alone, if it failed. */
  check(row: T): void {
    const failure = this.failures?.get(row);
    if (failure !== undefined) throw failure;
  }
}

/**
 * A small batching writer. Rows queue until the current turn of the event loop ends (`setImmediate`, so every
 * I/O callback of the turn can add its row) or until `maxBatch` are waiting. At most one batch is in flight;
 * rows arriving meanwhile form the next one, which is what makes batches grow under load.
 */
export class BatchWriter<T> {
  readonly #options: BatchWriterOptions<T>;
  /** Batches not yet written, oldest first; the last one takes new rows while it has room. */
  readonly #queue: Batch<T>[] = [];
  #immediate: NodeJS.Immediate | undefined;
  #draining: Promise<void> | undefined;

  constructor(options: BatchWriterOptions<T>) {
    this.#options = options;
  }

  /** Queues `row`; resolves once it is committed, rejects with the error of writing it alone. */
  async write(row: T): Promise<void> {
    const batch = this.add(row);
    await batch.settled;
    batch.check(row);
  }

  /**
   * Queues `row` (an object of its own: its outcome is looked up by it) and returns its batch, for a caller
   * that awaits `settled` and then `check(row)` itself: {@link BatchWriter.write} without a promise of its own.
   */
  add(row: T): Batch<T> {
    let batch = this.#queue[this.#queue.length - 1];
    if (batch === undefined || batch.rows.length >= this.#options.maxBatch) {
      batch = new Batch<T>();
      this.#queue.push(batch);
    }
    batch.rows.push(row);
    this.#schedule(batch.rows.length >= this.#options.maxBatch);
    return batch;
  }

  /** Resolves when every row queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined || this.#queue.length > 0) {
      if (this.#draining === undefined) this.#drainNow();
      await this.#draining;
    }
  }

  #schedule(full: boolean): void {
    // A running drain takes whatever is queued when its batch ends.
    if (this.#draining !== undefined) return;
    if (full) this.#drainNow();
    else this.#immediate ??= setImmediate(() => this.#drainNow());
  }

  #drainNow(): void {
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#draining !== undefined) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queue.length > 0) this.#schedule(false);
    });
  }

  async #drain(): Promise<void> {
    for (let batch = this.#queue.shift(); batch !== undefined; batch = this.#queue.shift()) {
      try {
        await this.#flush(batch);
      } finally {
        batch.done();
      }
    }
  }

  async #flush(batch: Batch<T>): Promise<void> {
    const { rows } = batch;
    if (rows.length > 1) {
      try {
        await this.#options.writeMany(rows);
        return;
      } catch {
        // The statement is atomic, so nothing of it was written: fall through to one write per row, which
        // gives each row its own outcome.
      }
    }
    await Promise.all(
      rows.map((row) =>
        this.#options.writeOne(row).catch((error: unknown) => {
          // Whatever the rejection carried, its caller gets an error.
          const failure =
            error instanceof Error ? error : new Error(`The row was not written: ${String(error)}`);
          (batch.failures ??= new Map()).set(row, failure);
        }),
      ),
    );
  }
}
