/**
 * Waits for a condition by polling it with a deadline (never a fixed sleep): resolves as soon as `check` holds,
 * fails naming `what` once `timeoutMs` has passed without it.
 */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Polls `check` with a deadline until it returns a value other than `undefined`, and resolves to that value;
 * fails naming `what` once `timeoutMs` has passed without one. The check comes last, as it is usually a
 * multi-line query; it runs every 50 ms, since it usually asks a database or a server.
 */
export async function untilValue<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
