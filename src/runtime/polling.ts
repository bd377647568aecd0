/**
 * The timer loop shared by the runtime's background workers (the refresher and webhook delivery): run a
 * pass every `intervalMs`, never two at once, and stop cleanly.
 */

/** Options for {@link startPolling}. */
export interface PollingOptions<T> {
  /** One unit of work; its result is what `runOnce()` resolves to. */
  readonly pass: () => Promise<T>;
  /** Delay between the end of one timed pass and the start of the next. */
  readonly intervalMs: number;
  /** Called with the error of a timed pass; polling keeps going. */
  readonly onError: (err: unknown) => void;
}

/** A running poll loop. */
export interface Polling<T> {
  /** Runs one pass now; passes never overlap. */
  runOnce(): Promise<T>;
  /** Stops polling and waits for the pass in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Starts polling. The first pass runs after `intervalMs`; the timer is unref'd, so a poll loop never keeps
 * a process alive by itself.
 */
export function startPolling<T>(options: PollingOptions<T>): Polling<T> {
  const { pass, intervalMs, onError } = options;
  let running: Promise<T> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  function runOnce(): Promise<T> {
    // Chain rather than overlap: a timer tick during a slow pass waits for it.
    const next = (running ?? Promise.resolve()).catch(() => undefined).then(() => pass());
    running = next;
    return next;
  }

  const tick = (): void => {
    runOnce()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
