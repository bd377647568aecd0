/**
 * How long-running commands (`sandbox`, `start`) wait to be stopped: SIGINT/SIGTERM in a terminal, or
 * {@link requestStop} when the command runs in-process (tests).
 */
const waiting = new Set<(reason: string) => void>();

/** Resolves with the reason once the process is asked to stop. */
export function waitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const finish = (reason: string) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      waiting.delete(finish);
      resolve(reason);
    };
    const onInt = () => finish('SIGINT');
    const onTerm = () => finish('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    waiting.add(finish);
  });
}

/** Stops every command currently in {@link waitForStop}, as a signal would. */
export function requestStop(reason = 'requested'): void {
  for (const finish of [...waiting]) finish(reason);
}

/** True while some command waits in {@link waitForStop}; lets callers know a command is up. */
export function isWaitingForStop(): boolean {
  return waiting.size > 0;
}
