import { timeOrderedId } from '../../src/runtime/ids';

describe('time-ordered ids', () => {
  it('are UUIDv7 strings carrying the millisecond time in their first 48 bits', () => {
    const at = Date.UTC(2026, 10, 23, 15, 0, 0, 123);
    const id = timeOrderedId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
  });

  it('sort by time, and differ within one millisecond', () => {
    const earlier = timeOrderedId(1_000_000);
    const later = timeOrderedId(1_000_001);
    expect([later, earlier].sort()).toEqual([earlier, later]);
    const same = new Set(Array.from({ length: 1000 }, () => timeOrderedId(5)));
    expect(same.size).toBe(1000);
  });

  it('carry 74 random bits: every variant digit and every hex digit in each random position turns up', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedId(1_700_000_000_000 + (i % 3)));
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
    for (const position of [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)]) {
      expect(new Set(ids.map((id) => id[position])).size).toBe(16);
    }
    // The time part follows the argument from call to call, back and forth.
    for (const [i, id] of ids.entries()) {
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(1_700_000_000_000 + (i % 3));
    }
  });

  it('keep the low 48 bits of a time beyond 2^48 ms, and clamp negative times to 0', () => {
    expect(timeOrderedId(2 ** 48 + 5).slice(0, 13)).toBe('00000000-0005');
    expect(timeOrderedId(-1).slice(0, 13)).toBe('00000000-0000');
  });
});
