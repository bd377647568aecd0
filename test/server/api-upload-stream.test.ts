/**
 * `POST /api/components` streams a raw upload to a temporary file instead of holding it in memory: the size
 * limit holds while the body arrives (a too-large body is refused before it ends, its file removed, nothing
 * published), and a real-size bundle is on disk while the client is still sending it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTestComponent } from '../support/components/build';
import { startHarness } from './harness';
import type { Harness } from './harness';

// Bodies of 8-30 MB, each parsed and stored: the 20 MB upload took 16 s at load 16 on 2 cores (3 CPU burners),
// half of jest's default 30 s.
jest.setTimeout(120_000);

const MB = 1024 * 1024;
const LIMIT = 25 * MB;
const CHUNK = Buffer.alloc(MB, 'x');

let h: Harness;
let admin: string;
let uploadDir: string;
/** Uploads a test started: closed after each test, so a failed one does not leave the server waiting. */
const opened: ClientRequest[] = [];

/** A 64 KiB block of base64 text, longer than gzip's window, so a padded bundle compresses like real code. */
const ASSET = randomBytes(48 * 1024).toString('base64');

/** The sandbox-password test component, padded with an embedded asset to `size` bytes, as real bundles are. */
function bundleOfSize(size: number): Buffer {
  const source = readFileSync(buildTestComponent('sandbox-password'));
  const asset = ASSET.repeat(Math.ceil((size - source.length) / ASSET.length));
  return Buffer.concat([Buffer.from(`/* embedded asset: ${asset} */\n`), source]);
}

/** Everything under the upload folder (folders too), files with their size. */
function uploads(): { path: string; size: number }[] {
  return readdirSync(uploadDir, { recursive: true, encoding: 'utf8' }).map((path) => ({
    path,
    size: statSync(join(uploadDir, path), { throwIfNoEntry: false })?.size ?? 0,
  }));
}

/** Polls `check` until it holds or `ms` pass. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

interface Upload {
  readonly req: ClientRequest;
  /** Set once the server has answered. */
  readonly answer: { status?: number; body?: string };
  readonly answered: Promise<void>;
  /** Writes one chunk, waiting until the socket takes it (or the server has answered). */
  write(chunk: Buffer): Promise<void>;
}

/** A chunked `POST /api/components` over a real socket, the body written piece by piece by the test. */
function startUpload(headers: Record<string, string>): Upload {
  const url = new URL('/api/components', h.listenUrl);
  const answer: { status?: number; body?: string } = {};
  const req = httpRequest(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'transfer-encoding': 'chunked', ...headers },
  });
  opened.push(req);
  const answered = new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      answer.status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        answer.body = Buffer.concat(parts).toString('utf8');
        resolve();
      });
    });
  });
  return {
    req,
    answer,
    answered,
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (req.write(chunk)) resolve();
        else {
          req.once('drain', resolve);
          answered.then(resolve, reject);
        }
      }),
  };
}

beforeAll(async () => {
  uploadDir = mkdtempSync(join(tmpdir(), 'keyway-upload-test-'));
  h = await startHarness({ config: { maxBundleBytes: LIMIT, uploadDir } });
  admin = (await h.store.createApiKey({ name: 'platform', scopes: ['*'] })).key;
});
afterEach(() => {
  for (const req of opened.splice(0)) req.destroy();
});
afterAll(async () => {
  await h.close();
  rmSync(uploadDir, { recursive: true, force: true });
});

async function versions(): Promise<number> {
  const res = await h.inject({
    method: 'GET',
    url: '/api/components/sandboxPassword/versions',
    headers: { authorization: `Bearer ${admin}` },
  });
  return res.statusCode === 404 ? 0 : (res.json() as { versions: unknown[] }).versions.length;
}

describe('streamed component uploads', () => {
  it('refuses a 30 MB upload over a 25 MB limit with 413, leaving no file and publishing nothing', async () => {
    const res = await h.inject({
      method: 'POST',
      url: '/api/components',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(30 * MB, 'x'),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE', details: { maxBytes: LIMIT } } });
    expect(uploads()).toEqual([]);
    expect(await versions()).toBe(0);
  });

  it('refuses a body of unstated length as soon as it passes the limit, before the client has sent it all', async () => {
    const upload = startUpload({ 'content-type': 'application/octet-stream' });
    let sent = 0;
    // Up to 100 MB, but the client stops at the answer: a server that waits for the end answers only after it.
    while (upload.answer.status === undefined && sent < 100 * MB) {
      await upload.write(CHUNK);
      sent += CHUNK.length;
    }
    if (upload.answer.status === undefined) upload.req.end();
    await upload.answered;
    expect(upload.answer.status).toBe(413);
    expect(JSON.parse(upload.answer.body ?? '{}')).toMatchObject({ error: { code: 'KW_BODY_TOO_LARGE' } });
    expect(sent).toBeGreaterThan(LIMIT);
    expect(sent).toBeLessThan(100 * MB);
    expect(uploads()).toEqual([]);
    expect(await versions()).toBe(0);
  });

  it('writes a 20 MB bundle to disk while the client is still sending it, then publishes it', async () => {
    const bundle = bundleOfSize(20 * MB);
    const upload = startUpload({ 'content-type': 'application/javascript' });
    const half = 16 * MB;
    for (let at = 0; at < half; at += MB) await upload.write(bundle.subarray(at, at + MB));
    // A server that buffers the body would write nothing until the end: this part is on disk already.
    const onDisk = await eventually(() => uploads().some((entry) => entry.size >= 4 * MB), 10_000);
    expect(onDisk).toBe(true);
    expect(upload.answer.status).toBeUndefined();
    for (let at = half; at < bundle.length; at += MB) await upload.write(bundle.subarray(at, at + MB));
    upload.req.end();
    await upload.answered;
    expect(upload.answer.status).toBe(201);
    expect(JSON.parse(upload.answer.body ?? '{}')).toMatchObject({
      component: { key: 'sandboxPassword', version: 1 },
    });
    expect(uploads()).toEqual([]);
  });

  it('publishes a real-size bundle sent gzip-compressed as application/gzip', async () => {
    const res = await h.inject({
      method: 'POST',
      url: '/api/components',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' },
      payload: gzipSync(bundleOfSize(8 * MB)),
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ component: { key: 'sandboxPassword', version: 2 } });
    const corrupt = await h.inject({
      method: 'POST',
      url: '/api/components',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/gzip' },
      payload: Buffer.from('this is not gzip'),
    });
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json()).toMatchObject({ error: { code: 'KW_REQUEST_INVALID' } });
    expect(uploads()).toEqual([]);
    expect(await versions()).toBe(2);
  });
});
