import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeywayError, errorTable, isKeywayError, renderErrorTable } from '../src/errors';

function tableCells(markdown: string): string[][] {
  return markdown
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

describe('error table', () => {
  it('is mirrored exactly in docs/errors.md (run `npm run docs:errors` after adding a code)', () => {
    const doc = readFileSync(join(__dirname, '..', 'docs', 'errors.md'), 'utf8');
    const block = /<!-- errors:start -->([\s\S]*?)<!-- errors:end -->/.exec(doc);
    // Prettier pads markdown tables; compare cell by cell.
    expect(tableCells(block?.[1] ?? '')).toEqual(tableCells(renderErrorTable()));
    expect(tableCells(renderErrorTable())).toHaveLength(Object.keys(errorTable).length + 1);
  });

  it('uses the KW_ prefix and upper snake case for every code', () => {
    for (const code of Object.keys(errorTable)) expect(code).toMatch(/^KW_[A-Z0-9_]+$/);
  });
});

describe('KeywayError', () => {
  it('takes status, transience and default message from the table', () => {
    const err = new KeywayError('KW_OAUTH_TIMEOUT');
    expect(err.code).toBe('KW_OAUTH_TIMEOUT');
    expect(err.status).toBe(504);
    expect(err.transient).toBe(true);
    expect(err.message).toBe(errorTable.KW_OAUTH_TIMEOUT.description);
    expect(isKeywayError(err, 'KW_OAUTH_TIMEOUT')).toBe(true);
    expect(isKeywayError(err, 'KW_OAUTH_NETWORK')).toBe(false);
  });

  it('keeps the cause out of JSON and enumeration', () => {
    const cause = { headers: { authorization: 'Bearer secret-token' } };
    const err = new KeywayError('KW_OAUTH_NETWORK', { cause });
    expect(err.cause).toBe(cause);
    expect(Object.keys(err)).not.toContain('cause');
    expect(JSON.stringify(err)).not.toContain('secret-token');
  });
});
