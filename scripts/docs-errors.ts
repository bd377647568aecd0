/** Rewrites the error table in docs/errors.md from src/errors.ts (test/errors.test.ts keeps the two equal). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { renderErrorTable } from '../src/errors';

const START = '<!-- errors:start -->';
const END = '<!-- errors:end -->';
const docPath = join(__dirname, '..', 'docs', 'errors.md');
const doc = readFileSync(docPath, 'utf8');
const from = doc.indexOf(START);
const to = doc.indexOf(END);
if (from < 0 || to < from) throw new Error(`docs/errors.md has no ${START} … ${END} block`);
writeFileSync(docPath, `${doc.slice(0, from + START.length)}\n${renderErrorTable()}\n${doc.slice(to)}`);
execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', docPath]);
console.log('docs/errors.md error table updated');
