/**
 * A tiny in-process HTTP server for provider quirks a compliant server never shows (form bodies,
 * string expires_in, errors in 200s, HTML 502s, slow answers, dropped connections). Each test sets the
 * handler; every request is recorded with its parsed form body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The request URL's query string, parsed. */
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly form: URLSearchParams;
}

export type QuirkHandler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface QuirkServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handle(handler: QuirkHandler): void;
  close(): Promise<void>;
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

export async function startQuirkServer(): Promise<QuirkServer> {
  const requests: RecordedRequest[] = [];
  let handler: QuirkHandler = (_req, res) => json(res, 404, { error: 'not_found' });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: new URL(req.url ?? '/', 'http://x').pathname,
        query: new URL(req.url ?? '/', 'http://x').searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch(() => res.destroy());
    });
  });
  // As the sandbox: node's 5 s keep-alive timer can reset a kept-alive connection whose next request arrived
  // while this (test) process was busy for seconds; 72 s is fastify's default.
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      handler = next;
    },
    close: () => closeServer(server),
  };
}

/** Closes a test server now: its keep-alive connections too, so no client socket outlives the test. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Every string a thrown error exposes: message, JSON, provider fields, details. */
export function exposedText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return `${err.message}\n${JSON.stringify(err)}\n${String(err.stack)}`;
}
