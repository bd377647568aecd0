/**
 * Prints `lines` JSON lines of filler and then `{"event":"done"}`, and ends: the parent must still
 * see "done" although the process may be gone before its last lines were read.
 *   node --require tsx/cjs test/runtime/workers/burst-worker.ts '{"lines":N}'
 */
const { lines } = JSON.parse(process.argv[2] ?? '{}') as { lines: number };
const filler = `${JSON.stringify({ event: 'filler', message: 'x'.repeat(200) })}\n`;
process.stdout.write(filler.repeat(lines));
process.stdout.write(`${JSON.stringify({ event: 'done' })}\n`);
