/**
 * A polling subscription's schedule: a fixed interval, or a cron expression evaluated in UTC by croner (a
 * dependency-free, well-kept parser) — the next run is computed, never a timer per subscription.
 */
import { Cron } from 'croner';
import { KeywayError } from '../errors';
import type { TriggerSchedule } from '../store';

/** A schedule as the API and the CLI take it: exactly one of the two. */
export interface ScheduleInput {
  readonly everySeconds?: number | undefined;
  readonly cron?: string | undefined;
}

/** The shortest interval accepted: polling faster than this is a webhook's job. */
export const MIN_INTERVAL_SECONDS = 10;

function invalid(message: string): KeywayError {
  return new KeywayError('KW_TRIGGER_INVALID', { message, details: { field: 'schedule' } });
}

function cronOf(expression: string): Cron {
  // `paused`: only used to compute run times, never to call anything.
  return new Cron(expression, { timezone: 'UTC', paused: true });
}

/** Validates a schedule; KW_TRIGGER_INVALID for neither or both, a short interval or a malformed cron. */
export function parseSchedule(input: ScheduleInput): TriggerSchedule {
  const { everySeconds, cron } = input;
  if ((everySeconds === undefined) === (cron === undefined)) {
    throw invalid('A schedule is either { everySeconds } or { cron }');
  }
  if (everySeconds !== undefined) {
    if (
      !Number.isInteger(everySeconds) ||
      everySeconds < MIN_INTERVAL_SECONDS ||
      everySeconds > 31 * 86_400
    ) {
      throw invalid(`everySeconds must be a whole number from ${MIN_INTERVAL_SECONDS} to 2678400`);
    }
    return { kind: 'interval', everyMs: everySeconds * 1000 };
  }
  const expression = (cron ?? '').trim();
  try {
    if (cronOf(expression).nextRun() === null) throw new Error('never runs');
  } catch {
    throw invalid(
      `"${expression.slice(0, 100)}" is not a cron expression that runs (five or six fields, UTC)`,
    );
  }
  return { kind: 'cron', expression };
}

/** When a subscription on `schedule` runs next after `now`. */
export function nextRunAfter(schedule: TriggerSchedule, now: number): number {
  if (schedule.kind === 'interval') return now + schedule.everyMs;
  const next = cronOf(schedule.expression).nextRun(new Date(now));
  // A stored expression was valid when stored; one that stopped producing dates waits a day, not forever.
  return next === null ? now + 86_400_000 : next.getTime();
}
