/**
 * What one system call costs on this host. The runtime's figures move with it: an HTTP call, a PostgreSQL
 * query and a SQLite commit each make several, and on a VM with page-table isolation and no PCID (this one:
 * `meltdown: Mitigation: PTI`, no `pcid` flag) each costs microseconds and empties the TLB, so the code that
 * runs next pays for its page walks too. The bench measures it at the start and at the end of a run, so a
 * table says how fast the host was while it was taken.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';

const CALLS = 20_000;
const ROUNDS = 5;

/** The median over five rounds of the cost of one `fstat` of an open file, in microseconds. */
export function syscallMicros(): number {
  const fd = openSync(__filename, 'r');
  try {
    const rounds: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < CALLS; i++) fstatSync(fd);
      rounds.push(Number(process.hrtime.bigint() - start) / 1000 / CALLS);
    }
    rounds.sort((a, b) => a - b);
    return rounds[Math.floor(ROUNDS / 2)] ?? Number.NaN;
  } finally {
    closeSync(fd);
  }
}
