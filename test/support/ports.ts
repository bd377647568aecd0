/**
 * For a server whose port must be chosen before it starts (its URL is needed first: a redirect URI, a public URL):
 * a port the kernel just handed out, and a retry when another process took it before the server bound it.
 * Anything that can listen on port 0 and say which port it got should do that instead.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** What a server says when its port is taken: node's EADDRINUSE, PostgreSQL's "could not bind". */
export const PORT_TAKEN = /EADDRINUSE|address already in use|could not bind/i;

/** A port that was free a moment ago (bound on 127.0.0.1, then released): another process may take it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', done);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/**
 * Calls `start` with a free port; when it fails because the port was taken meanwhile (its error's message matches
 * {@link PORT_TAKEN}), calls it again with another one, until `timeoutMs` has passed. Any other failure is final.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (error) {
      // Not `instanceof Error`: node's own errors come from another realm than a jest test's.
      const taken = PORT_TAKEN.test(String((error as { message?: unknown } | null)?.message ?? error));
      if (!taken || Date.now() > deadline) throw error;
    }
  }
}
