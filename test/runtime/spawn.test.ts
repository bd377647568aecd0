/**
 * The multi-process tests' worker harness: an event a worker printed just before exiting is still seen.
 */
import { resolve } from 'node:path';
import { spawnWorker } from './workers/spawn';

const BURST = resolve(__dirname, 'workers/burst-worker.ts');

it('sees the last line of a worker that exits right after printing it', async () => {
  const workers = Array.from({ length: 6 }, () => spawnWorker(BURST, { lines: 5000 }));
  const done = await Promise.all(workers.map((worker) => worker.waitFor('done', 60_000)));
  expect(done.map((message) => message.event)).toEqual(Array(6).fill('done'));
  for (const worker of workers) expect((await worker.exited).code).toBe(0);
}, 90_000);
