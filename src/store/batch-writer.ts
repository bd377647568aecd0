/**
 * Group commit: rows written concurrently by one process go to the database together, as one multi-row
 * statement (one transaction, one commit) instead of one commit each. Every caller's promise settles only
 * after its own row is committed — or has failed on its own: when a batch fails, its rows are written again
 * one by one, so one bad row (a duplicate id, a missing instance) cannot fail the others.
 */

/** How {@link BatchWriter} writes. */
export interface BatchWriterOptions<T> {
  /** Writes every row in one statement; either all are committed or none is. */
  readonly writeMany: (rows: readonly T[]) => Promise<void>;
  /** Writes one row on its own. */
  readonly writeOne: (row: T) => Promise<void>;
  /** A batch is flushed at once when this many rows are waiting; larger queues go in several batches. */
  readonly maxBatch: number;
  /**
   * How long the first queued row waits for others (default 0: until the current turn of the event loop
   * ends). Longer waits make fewer, larger batches for callers that do not wait on each row.
   */
  readonly delayMs?: number;
}

/** A settle callback for rows whose success nobody waits for. */
export function ignore(): void {}

interface Pending<T> {
  readonly row: T;
  readonly resolve: () => void;
  /** Receives the row too, so one handler can serve every appended row (no closure per row). */
  readonly reject: (error: unknown, row: T) => void;
}

/**
 * A small batching writer. Rows queue until the current turn of the event loop ends (`setImmediate`, so
 * every I/O callback of the turn can add its row), or for `delayMs` when set, or until `maxBatch` are waiting. At most one batch is in
 * flight; rows arriving meanwhile form the next one, which is what makes batches grow under load.
 */
export class BatchWriter<T> {
  readonly #options: BatchWriterOptions<T>;
  #queue: Pending<T>[] = [];
  #timer: { cancel(): void } | undefined;
  #draining: Promise<void> | undefined;
  /** Rows in the batch being written. */
  #writing = 0;

  constructor(options: BatchWriterOptions<T>) {
    this.#options = options;
  }

  /** Queues `row`; resolves once it is committed, rejects with the error of writing it alone. */
  write(row: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ row, resolve, reject });
      this.#schedule();
    });
  }

  /** Queues `row` without a promise: `onError` receives the error of writing it alone, and the row, if it fails. */
  append(row: T, onError: (error: unknown, row: T) => void): void {
    this.#queue.push({ row, resolve: ignore, reject: onError });
    this.#schedule();
  }

  /** Rows not yet settled: queued, or in the batch being written. */
  get waiting(): number {
    return this.#queue.length + this.#writing;
  }

  /** Resolves when the batch being written now has settled (at once when none is). */
  async drained(): Promise<void> {
    if (this.#draining === undefined) this.#drainNow();
    await this.#draining;
  }

  /** Resolves when every row queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined || this.#queue.length > 0) {
      if (this.#draining === undefined) this.#drainNow();
      await this.#draining;
    }
  }

  #schedule(): void {
    // A running drain takes whatever is queued when its batch ends.
    if (this.#draining !== undefined) return;
    if (this.#queue.length >= this.#options.maxBatch) {
      this.#drainNow();
      return;
    }
    if (this.#timer !== undefined) return;
    const delayMs = this.#options.delayMs ?? 0;
    if (delayMs > 0) {
      const timeout = setTimeout(() => this.#drainNow(), delayMs);
      this.#timer = { cancel: () => clearTimeout(timeout) };
    } else {
      const immediate = setImmediate(() => this.#drainNow());
      this.#timer = { cancel: () => clearImmediate(immediate) };
    }
  }

  #drainNow(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (this.#draining !== undefined) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#options.maxBatch);
      this.#writing = batch.length;
      try {
        await this.#flush(batch);
      } finally {
        this.#writing = 0;
      }
    }
  }

  async #flush(batch: readonly Pending<T>[]): Promise<void> {
    if (batch.length > 1) {
      try {
        await this.#options.writeMany(batch.map((item) => item.row));
        for (const item of batch) item.resolve();
        return;
      } catch {
        // The statement is atomic, so nothing of it was written: fall through to one write per row, which
        // gives each caller its own outcome.
      }
    }
    await Promise.all(
      batch.map((item) =>
        this.#options.writeOne(item.row).then(item.resolve, (error: unknown) => item.reject(error, item.row)),
      ),
    );
  }
}
