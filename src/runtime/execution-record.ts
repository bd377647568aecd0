/** The execution log's record of one run, written with as few writes as possible. */
import type { ExecutionLogEntry, FinishedExecution, NewExecution, Store } from '../store';
import type { ActionLogEntry } from './types';

/** The log of a run that logged nothing (shared). */
export const NO_LOG: readonly ExecutionLogEntry[] = Object.freeze([]);

export function toExecutionLog(entry: ActionLogEntry): ExecutionLogEntry {
  const level =
    entry.level === 'warn' || entry.level === 'error'
      ? entry.level
      : entry.level === 'info' || entry.level === 'log'
        ? 'info'
        : 'debug';
  return { at: entry.at, level, message: entry.message };
}

/** A run that takes longer than this is recorded as `running` while it runs; shorter ones in one write. */
const RECORD_RUNNING_AFTER_MS = 1000;
/** How often runs in flight are looked at for {@link RECORD_RUNNING_AFTER_MS}. */
const RUNNING_CHECK_MS = 250;

/**
 * Runs in flight, looked at by one shared timer rather than a timer per run: setting and clearing a timer on
 * every call costs more than the rest of the bookkeeping.
 */
const inFlight = new Set<ExecutionRecord>();
let inFlightTimer: NodeJS.Timeout | undefined;

function watchLongRuns(): void {
  if (inFlight.size === 0 && inFlightTimer !== undefined) {
    // Idle: stop ticking until the next run starts one.
    clearInterval(inFlightTimer);
    inFlightTimer = undefined;
    return;
  }
  for (const run of inFlight) run.recordRunningIfLong();
}

/**
 * Records a run with as few writes as possible: a run that ends within {@link RECORD_RUNNING_AFTER_MS} is
 * recorded once, finished (`Store.recordExecution`, group commit); a longer one gets its
 * `running` row once that time has passed (so the execution log shows it while it runs) and is updated when
 * it ends. The log keeps the same facts either way.
 *
 * The record is itself the {@link FinishedExecution} handed to the store (no copy per run): its public fields
 * are exactly that shape's, the rest is private.
 */
export class ExecutionRecord implements FinishedExecution {
  status: 'succeeded' | 'failed' = 'succeeded';
  /** Until the run finishes, its start. */
  finishedAt: number;
  errorCode: string | null = null;
  errorMessage: string | null = null;
  log: readonly ExecutionLogEntry[] = NO_LOG;
  readonly #store: Store;
  /** Shared by every run (`onRecordError`): told the record's id with the error. */
  readonly #onError: (error: unknown, executionId: string) => void;
  /** The run's clock (`RunActionDeps.now`), so a test can make a run long without waiting. */
  readonly #now: () => number;
  readonly #seenAt: number;
  /** Set once the `running` row is being written: whether it was. */
  #running: Promise<boolean> | undefined = undefined;

  constructor(
    store: Store,
    readonly id: string,
    readonly instanceId: string,
    readonly componentKey: string,
    readonly actionKey: string,
    readonly startedAt: number,
    onError: (error: unknown, executionId: string) => void,
    now: () => number,
  ) {
    this.finishedAt = startedAt;
    this.#now = now;
    this.#seenAt = now();
    this.#store = store;
    this.#onError = onError;
    inFlight.add(this);
    if (inFlightTimer === undefined) {
      inFlightTimer = setInterval(watchLongRuns, RUNNING_CHECK_MS);
      inFlightTimer.unref();
    }
  }

  /** Writes the `running` row once the run has taken {@link RECORD_RUNNING_AFTER_MS} by its clock. */
  recordRunningIfLong(): void {
    if (this.#running !== undefined || this.#now() - this.#seenAt < RECORD_RUNNING_AFTER_MS) return;
    // A failed insert is not fatal to the run; the row is then written in one go at the end.
    this.#running = this.#store.createExecution(this.#started()).then(
      () => true,
      () => false,
    );
  }

  /**
   * Writes the outcome to the store's execution log and resolves once it is committed (`Store.recordExecution`,
   * which concurrent runs share a commit of). A record that cannot be written goes to the run's
   * `onRecordError`: it must not turn a finished run into a failed one.
   */
  async finish(
    status: 'succeeded' | 'failed',
    finishedAt: number,
    errorCode: string | null,
    errorMessage: string | null,
    log: readonly ExecutionLogEntry[],
  ): Promise<void> {
    inFlight.delete(this);
    this.status = status;
    this.finishedAt = finishedAt;
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
    this.log = log;
    try {
      if (this.#running !== undefined && (await this.#running))
        await this.#store.finishExecution(this.id, this);
      else await this.#store.recordExecution(this);
    } catch (error) {
      this.#onError(error, this.id);
    }
  }

  #started(): NewExecution {
    return {
      id: this.id,
      instanceId: this.instanceId,
      componentKey: this.componentKey,
      actionKey: this.actionKey,
      startedAt: this.startedAt,
    };
  }
}
