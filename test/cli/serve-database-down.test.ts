/**
 * `keyway serve` started while its PostgreSQL database is down or does not answer: it does not listen, it exits 1
 * within seconds with `KW_STORE_UNAVAILABLE` and a message that names where it tried (host, port, database — never
 * the password) and what to check. It does not wait for the database: a supervisor (systemd, Kubernetes) restarts
 * it, and `/readyz` covers an outage once it is serving (test/server/database-restart.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { runCli } from './cli-harness';

jest.setTimeout(30_000);

const PASSWORD = 'pw-never-printed-4d1f';

function serveEnv(databaseUrl: string): Record<string, string> {
  return {
    KEYWAY_DATABASE_URL: databaseUrl,
    KEYWAY_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    KEYWAY_LINK_SECRET: randomBytes(32).toString('base64'),
    KEYWAY_PUBLIC_URL: 'http://keyway.test',
    KEYWAY_PORT: '0',
  };
}

/** A TCP port that accepts connections and never answers: a database server that hangs, or a half-open proxy. */
async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('keyway serve with its database down at start', () => {
  it('exits 1 at once with KW_STORE_UNAVAILABLE naming the server it could not reach', async () => {
    const port = await closedPort();
    // A start that retried a refused connection forever would hang here until jest's timeout.
    const run = await runCli(
      ['serve'],
      serveEnv(`postgres://keyway:${PASSWORD}@127.0.0.1:${port}/keyway_prod`),
    );
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('error KW_STORE_UNAVAILABLE: ');
    expect(run.stderr).toContain(`127.0.0.1:${port}/keyway_prod`);
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stderr).toContain('KEYWAY_DATABASE_URL');
    expect(run.stderr).not.toContain(PASSWORD);
  });

  it('gives up after the connect timeout with KW_STORE_UNAVAILABLE when the server accepts but never answers', async () => {
    const silent = await silentListener();
    try {
      // The connect timeout is 5 s; a start that waited for the database would hang here until jest's timeout.
      const run = await runCli(
        ['serve', '--json'],
        serveEnv(`postgres://keyway:${PASSWORD}@127.0.0.1:${silent.port}/keyway_prod`),
      );
      expect(run.exitCode).toBe(1);
      const { error } = JSON.parse(run.stderr.trim().split('\n').pop() ?? '') as {
        error: { code: string; message: string };
      };
      expect(error.code).toBe('KW_STORE_UNAVAILABLE');
      expect(error.message).toContain(`127.0.0.1:${silent.port}/keyway_prod`);
      expect(error.message).toContain('(connect timeout): it accepted the connection but did not answer');
      expect(run.stderr).not.toContain(PASSWORD);
    } finally {
      await silent.close();
    }
  });
});
