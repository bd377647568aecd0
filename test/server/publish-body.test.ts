/**
 * The JSON publish body's base64 check: real bundles are megabytes of base64, and the check must neither
 * backtrack over them (a regex over the whole text overflowed V8's stack in full test runs: a 500) nor let
 * anything that is not base64 through.
 */
import { PublishComponentBodySchema } from '../../src/server/api/schemas';

const valid = (bundleBase64: string): boolean =>
  PublishComponentBodySchema.safeParse({ bundleBase64 }).success;

it('accepts base64 with and without padding, at a real bundle size', () => {
  expect(valid('QUJD')).toBe(true);
  expect(valid('QUI=')).toBe(true);
  expect(valid('QQ==')).toBe(true);
  expect(valid(Buffer.alloc(6 * 1024 * 1024, 7).toString('base64'))).toBe(true);
});

it('refuses what is not base64', () => {
  for (const text of ['', '=', 'QQ===', 'QU=I', 'QUJD!', 'QU JD', 'QUJD\n']) expect(valid(text)).toBe(false);
});
