/** Rewrites the README's error table from src/errors.ts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { renderErrorTable } from '../src/errors';

const START = '<!-- errors:start -->';
const END = '<!-- errors:end -->';
const readmePath = join(__dirname, '..', 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const from = readme.indexOf(START);
const to = readme.indexOf(END);
if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} block`);
writeFileSync(
  readmePath,
  `${readme.slice(0, from + START.length)}\n${renderErrorTable()}\n${readme.slice(to)}`,
);
execFileSync(process.execPath, [require.resolve('prettier/bin/prettier.cjs'), '--write', readmePath]);
console.log('README.md error table updated');
