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
