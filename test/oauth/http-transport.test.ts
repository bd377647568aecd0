/**
 * The default transport against a real local HTTP server: keep-alive reuse, a pooled socket the server had
 * closed, bodies it must refuse or decode, and a body that stalls half-way.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { KeywayError } from '../../src/errors';
import { MAX_RESPONSE_BYTES } from '../../src/oauth/http';
import { httpTransport, type HttpRequest } from '../../src/oauth';
import { closeServer } from '../support/quirk-server';

type Handler = (req: IncomingMessage, res: ServerResponse, nthOnSocket: number) => void;

interface Recorder {
  readonly url: string;
  /** One entry per request received: the socket's number and the request's number on it. */
  readonly received: { socket: number; nth: number; headers: IncomingMessage['headers'] }[];
  handle(next: Handler): void;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const received: Recorder['received'] = [];
  const perSocket = new Map<Socket, { id: number; count: number }>();
  let handler: Handler = (_req, res) => res.end('{}');
  const server: Server = createServer((req, res) => {
    let entry = perSocket.get(req.socket);
    if (!entry) {
      entry = { id: perSocket.size + 1, count: 0 };
      perSocket.set(req.socket, entry);
    }
    entry.count++;
    received.push({ socket: entry.id, nth: entry.count, headers: req.headers });
    const nth = entry.count;
    req.resume();
    req.on('end', () => handler(req, res, nth));
  });
  // No Keep-Alive timeout hint, as many providers' servers: the client must not count on one.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/token`,
    received,
    handle(next) {
      handler = next;
    },
    close: () => closeServer(server),
  };
}

async function caught(promise: Promise<unknown>): Promise<KeywayError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KeywayError) return err;
    throw err;
  }
  throw new Error('expected a KeywayError');
}

let server: Recorder;
let request: HttpRequest;
beforeEach(async () => {
  server = await startRecorder();
  request = {
    method: 'POST',
    url: server.url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: 'grant_type=refresh_token&refresh_token=rt-secret-value',
  };
});
afterEach(() => server.close());

it('sends the body with its length and a user agent, and reuses the connection for the next request', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end('{"access_token":"at"}');
  });
  const first = await httpTransport(request, { timeoutMs: 2000 });
  const second = await httpTransport(request, { timeoutMs: 2000 });
  expect(first).toEqual({
    status: 200,
    headers: expect.objectContaining({ 'content-type': 'application/json', 'set-cookie': 'a=1, b=2' }),
    body: '{"access_token":"at"}',
  });
  expect(second.body).toBe('{"access_token":"at"}');
  expect(server.received.map((r) => [r.socket, r.nth])).toEqual([
    [1, 1],
    [1, 2],
  ]);
  expect(server.received[0]?.headers['content-length']).toBe(String(Buffer.byteLength(request.body ?? '')));
  expect(server.received[0]?.headers['user-agent']).toBe('keyway');
});

it('sends a request again on a new connection when the server had closed the pooled one', async () => {
  // The server drops every connection on its second request without answering, as a server whose idle
  // timeout fired the moment the pooled connection was reused.
  server.handle((req, res, nth) => {
    if (nth > 1) req.socket.destroy();
    else res.end('{"ok":1}');
  });
  await httpTransport(request, { timeoutMs: 2000 });
  const answer = await httpTransport(request, { timeoutMs: 2000 });
  expect(answer.body).toBe('{"ok":1}');
  expect(server.received.map((r) => [r.socket, r.nth])).toEqual([
    [1, 1],
    [1, 2],
    [2, 1],
  ]);
});

it('does not send again when a new connection is reset: the server may have acted on the request', async () => {
  server.handle((req) => req.socket.destroy());
  const err = await caught(httpTransport(request, { timeoutMs: 2000 }));
  expect(err.code).toBe('KW_OAUTH_NETWORK');
  expect(err.details?.requestSent).toBe(true);
  expect(server.received).toHaveLength(1);
  expect(err.message).not.toContain('rt-secret-value');
});

it('decodes a gzip body the server sent although none was asked for', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(gzipSync('{"access_token":"zipped"}'));
  });
  const answer = await httpTransport(request, { timeoutMs: 2000 });
  expect(answer.body).toBe('{"access_token":"zipped"}');
});

it('refuses a body larger than the limit with KW_OAUTH_UNEXPECTED_RESPONSE', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('x'.repeat(MAX_RESPONSE_BYTES + 1));
  });
  const err = await caught(httpTransport(request, { timeoutMs: 5000 }));
  expect(err.code).toBe('KW_OAUTH_UNEXPECTED_RESPONSE');
  expect(err.message).toContain('more than');
});

it('refuses a compressed body that expands past the limit', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
    res.end(gzipSync('x'.repeat(MAX_RESPONSE_BYTES * 4)));
  });
  const err = await caught(httpTransport(request, { timeoutMs: 5000 }));
  expect(err.code).toBe('KW_OAUTH_UNEXPECTED_RESPONSE');
});

it('times out a body that stops half-way with KW_OAUTH_TIMEOUT', async () => {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"access_token":');
  });
  const err = await caught(httpTransport(request, { timeoutMs: 150 }));
  expect(err.code).toBe('KW_OAUTH_TIMEOUT');
});

it('refuses a URL that is not http or https before sending anything', async () => {
  const err = await caught(httpTransport({ ...request, url: 'file:///etc/passwd' }, { timeoutMs: 1000 }));
  expect(err.code).toBe('KW_CONFIG_INVALID');
  expect(server.received).toHaveLength(0);
});
