/**
 * How `keyway serve` logs its background loops' failures (refresher, poller, outbox delivery, heartbeat). A
 * database outage fails every pass of every loop — the outbox worker's once a second — and each failure is the
 * same `KW_STORE_UNAVAILABLE`: logged once a pass with its stack, a ten-minute outage buried everything else under
 * about 800 stack traces. It is logged once per loop per `everyMs` instead, as a warning without a stack and with
 * how many were held back since; any other failure is logged every time, as an error.
 */
import type { Logger } from 'pino';
import { isKeywayError } from '../errors';

/** Logs one loop's failures; see the module comment. */
export type LoopErrorLog = (err: unknown) => void;

/** Options for {@link loopErrorLogs}. */
export interface LoopErrorLogOptions {
  /** At most one outage line per loop this often. Default 60 s. */
  readonly everyMs?: number;
  readonly now?: () => number;
}

/**
 * A factory of per-loop error logs: `loopErrorLogs(logger)('poller pass failed')` for the poller, and so on.
 * Each loop keeps its own count, so every loop still says once that it is failing.
 */
export function loopErrorLogs(
  logger: Logger,
  options: LoopErrorLogOptions = {},
): (message: string) => LoopErrorLog {
  const everyMs = options.everyMs ?? 60_000;
  const now = options.now ?? Date.now;
  return (message) => {
    let loggedAt: number | undefined;
    let heldBack = 0;
    return (err) => {
      if (!isKeywayError(err, 'KW_STORE_UNAVAILABLE')) {
        logger.error({ err }, message);
        return;
      }
      if (loggedAt !== undefined && now() - loggedAt < everyMs) {
        heldBack += 1;
        return;
      }
      logger.warn(
        { code: err.code, reason: err.message, heldBack },
        `${message}: the database is unavailable; retrying every pass (logged at most every ${Math.round(everyMs / 1000)} s)`,
      );
      loggedAt = now();
      heldBack = 0;
    };
  };
}
