import { isKeywayError, type KeywayError } from '../../src/errors';

/**
 * Awaits a call that must fail with a {@link KeywayError} and returns the error, so a test can assert on its
 * code and fields. Any other error is rethrown; success fails the test.
 */
export async function caught(promise: Promise<unknown>): Promise<KeywayError> {
  try {
    await promise;
  } catch (err) {
    if (isKeywayError(err)) return err;
    throw err;
  }
  throw new Error('expected a KeywayError, but the call succeeded');
}

/** The synchronous twin of {@link caught}: runs `fn`, which must throw a {@link KeywayError}, and returns it. */
export function thrown(fn: () => unknown): KeywayError {
  try {
    fn();
  } catch (err) {
    if (isKeywayError(err)) return err;
    throw err;
  }
  throw new Error('expected a KeywayError, but the call succeeded');
}
