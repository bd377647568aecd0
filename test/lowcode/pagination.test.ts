/**
 * Cursor and offset pagination of a compiled low-code action, against a small in-process vendor: every page is
 * requested with the declared parameters and the selected items are concatenated.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConnector } from '../../src/lowcode';
import { loadComponentFromPath } from '../../src/runtime';

const ITEMS = Array.from({ length: 7 }, (_, i) => ({ id: `i${i}` }));
const seen: string[] = [];
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyway-lowcode-pages-'));
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${url.pathname}?${url.searchParams.toString()}`);
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== 'Bearer tok') {
      res.statusCode = 401;
      res.end('{}');
      return;
    }
    if (url.pathname === '/cursor') {
      const start = Number(url.searchParams.get('after') ?? 0);
      const page = ITEMS.slice(start, start + 3);
      const next = start + 3 < ITEMS.length ? String(start + 3) : null;
      res.end(JSON.stringify({ data: page, meta: { next } }));
      return;
    }
    const offset = Number(url.searchParams.get('skip'));
    const limit = Number(url.searchParams.get('take'));
    res.end(JSON.stringify({ rows: ITEMS.slice(offset, offset + limit) }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

it('follows a cursor from the body and pages by offset until a short page', async () => {
  writeFileSync(
    join(dir, 'pages.yaml'),
    `key: pages
label: Pages
provider: spotify
connections: [{ grantType: client_credentials }]
actions:
  byCursor:
    request: { path: /cursor }
    response: $.data
    pagination: { type: cursor, cursorPath: $.meta.next, cursorParam: after }
  byOffset:
    request: { path: /offset }
    response: $.rows[*].id
    pagination: { type: offset, offsetParam: skip, limitParam: take, pageSize: 3 }
`,
  );
  const { bundle } = await buildConnector(join(dir, 'pages.yaml'));
  const component = loadComponentFromPath(bundle);
  const connection = {
    key: 'spotifyClientCredentials',
    configVarKey: 'c',
    fields: { apiBaseUrl: base },
    token: { access_token: 'tok' },
  };
  const run = (key: string) => component.actions.get(key)?.perform({}, { connection });

  seen.length = 0;
  expect(await run('byCursor')).toEqual({ data: ITEMS });
  expect(seen).toEqual(['/cursor?', '/cursor?after=3', '/cursor?after=6']);

  seen.length = 0;
  expect(await run('byOffset')).toEqual({ data: ITEMS.map((item) => item.id) });
  expect(seen).toEqual(['/offset?skip=0&take=3', '/offset?skip=3&take=3', '/offset?skip=6&take=3']);
});
