/** Execution records: one per action run. See {@link Store} in ./types. */
import type { EpochMs } from './types';

/** Outcome of an action run. */
export type ExecutionStatus = 'running' | 'succeeded' | 'failed';

/** One log line of an execution; the caller redacts secrets before writing. */
export interface ExecutionLogEntry {
  readonly at: EpochMs;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A recorded action run. */
export interface Execution {
  readonly id: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly actionKey: string;
  readonly status: ExecutionStatus;
  readonly startedAt: EpochMs;
  readonly finishedAt: EpochMs | null;
  readonly durationMs: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly log: readonly ExecutionLogEntry[];
}

/** Input to {@link Store.createExecution}. */
export interface NewExecution {
  readonly id?: string;
  readonly instanceId: string;
  readonly componentKey: string;
  readonly actionKey: string;
  /** Defaults to now. */
  readonly startedAt?: EpochMs;
}

/** Input to {@link Store.finishExecution}. */
export interface FinishExecution {
  readonly status: 'succeeded' | 'failed';
  readonly finishedAt?: EpochMs;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly log?: readonly ExecutionLogEntry[];
}

/** Input to {@link Store.recordExecution}: a run that has already finished, recorded in one write. */
export interface FinishedExecution extends NewExecution, FinishExecution {}

/** Filter for {@link Store.listExecutions}; newest first. */
export interface ExecutionFilter {
  readonly instanceId?: string;
  readonly limit?: number;
}
