import { startPolling, type Polling } from '../../src/runtime/polling';

const started: Polling<unknown>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((polling) => polling.stop()));
});

function poll<T>(pass: () => Promise<T>, onError: (err: unknown) => void = () => undefined): Polling<T> {
  const polling = startPolling({ pass, intervalMs: 5, onError });
  started.push(polling);
  return polling;
}

/** A promise and the function that settles it, for holding a pass open. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('startPolling', () => {
  it('never runs two passes at once, even when runOnce is called during a timed pass', async () => {
    let active = 0;
    let most = 0;
    let passes = 0;
    const polling = poll(async () => {
      active++;
      most = Math.max(most, active);
      await new Promise((resolve) => setTimeout(resolve, 10));
      active--;
      return ++passes;
    });

    const results = await Promise.all([polling.runOnce(), polling.runOnce(), polling.runOnce()]);
    await until(() => passes >= 6);

    expect(results).toEqual([...results].sort((a, b) => a - b));
    expect(new Set(results).size).toBe(3);
    expect(most).toBe(1);
  });

  it('reports a failed timed pass to onError and keeps polling', async () => {
    const errors: unknown[] = [];
    let passes = 0;
    poll(
      () => {
        passes++;
        return passes === 1 ? Promise.reject(new Error('store down')) : Promise.resolve(passes);
      },
      (err) => errors.push(err),
    );

    await until(() => passes >= 3);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('store down');
  });

  it('returns a failed runOnce to its caller and still runs the next pass', async () => {
    let passes = 0;
    const polling = poll(() => {
      passes++;
      return passes === 1 ? Promise.reject(new Error('first fails')) : Promise.resolve(passes);
    });

    await expect(polling.runOnce()).rejects.toThrow('first fails');
    await expect(polling.runOnce()).resolves.toBeGreaterThan(1);
  });

  it('waits for the pass in progress on stop and runs no pass after it', async () => {
    // A clock moved by hand: "no pass after stop" is checked over a long stretch of time without waiting for it.
    jest.useFakeTimers();
    try {
      const hold = gate();
      let passes = 0;
      let finished = false;
      const polling = poll(async () => {
        passes++;
        await hold.opened;
        finished = true;
        return passes;
      });

      await jest.advanceTimersByTimeAsync(5);
      expect(passes).toBe(1);
      const stopping = polling.stop();
      hold.open();
      await stopping;
      expect(finished).toBe(true);

      // No timer is left to start another pass, however long the clock runs on.
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(passes).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
