import { fillSecureRandom, randomToken, secureRandomBytes } from '../src/random';

describe('secureRandomBytes', () => {
  it('gives the size asked for, including none and sizes past the pool', () => {
    for (const size of [0, 1, 12, 32, 256, 257, 5000]) expect(secureRandomBytes(size)).toHaveLength(size);
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    // 20,000 × 12 bytes is about sixty 4 KiB pools; a pool refilled badly (or not at all) repeats values.
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(secureRandomBytes(12).toString('hex'));
    expect(seen.size).toBe(20_000);
  });

  it('gives each caller a buffer of its own that later draws do not touch', () => {
    const first = secureRandomBytes(32);
    const copy = Buffer.from(first);
    expect(first.equals(Buffer.alloc(32))).toBe(false);
    for (let i = 0; i < 1000; i++) secureRandomBytes(32);
    expect(first.equals(copy)).toBe(true);
  });

  it('spreads its bytes over every value', () => {
    // 256 KiB from the pool: each byte value is expected 1,024 times; a stuck or zeroed pool is far outside.
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 8192; i++)
      for (const byte of secureRandomBytes(32)) counts[byte] = (counts[byte] ?? 0) + 1;
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %p bytes', (size) => {
    expect(() => secureRandomBytes(size)).toThrow(RangeError);
  });
});

describe('fillSecureRandom', () => {
  it('writes exactly the range asked for, from the same pool, never the same bytes twice', () => {
    const target = Buffer.alloc(16, 0xee);
    fillSecureRandom(target, 3, 10);
    expect(target.subarray(0, 3).equals(Buffer.alloc(3, 0xee))).toBe(true);
    expect(target.subarray(13).equals(Buffer.alloc(3, 0xee))).toBe(true);
    const seen = new Set<string>();
    const ten = Buffer.alloc(10);
    // Draws of 10 and 12 bytes interleaved across many refills: no value repeats, none is all zeros.
    for (let i = 0; i < 20_000; i++) {
      fillSecureRandom(ten, 0, 10);
      seen.add(ten.toString('hex'));
      seen.add(secureRandomBytes(12).toString('hex'));
    }
    expect(seen.size).toBe(40_000);
    expect(seen.has('00'.repeat(10))).toBe(false);
  });

  it.each([
    [-1, 0],
    [1.5, 0],
    [257, 0],
    [4, 13],
    [1, -1],
  ])('refuses %p bytes at %p of 16', (size, start) => {
    expect(() => fillSecureRandom(Buffer.alloc(16), start, size)).toThrow(RangeError);
  });
});

describe('randomToken', () => {
  it('is base64url without padding, 43 characters for 32 bytes', () => {
    expect(randomToken(32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomToken(32)).not.toBe(randomToken(32));
  });
});
