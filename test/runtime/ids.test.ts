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
});
