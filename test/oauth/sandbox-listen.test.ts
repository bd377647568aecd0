/**
 * The sandbox takes a burst of new connections. A refresh storm is a thousand calls at once, each on a connection
 * of its own; with node's default accept queue (511) the kernel dropped the rest, each dropped connection was
 * retried a whole second later, and storms in `npm run bench` took 1.4 s instead of 0.4 s. The queue's size is read
 * back from the kernel (`ss`, whose Send-Q column of a listening socket is its backlog).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSandbox } from '../../src/sandbox';

it('listens with an accept queue for a burst of a thousand connections (as far as the kernel allows)', async () => {
  const sandbox = await startSandbox();
  try {
    const port = new URL(sandbox.issuer).port;
    const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
    // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
    const [state, , backlog, local] = line.split(/\s+/);
    expect(state).toBe('LISTEN');
    expect(local).toBe(`127.0.0.1:${port}`);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(Number(backlog)).toBe(Math.min(4096, somaxconn));
    expect(Number(backlog)).toBeGreaterThanOrEqual(1000);
  } finally {
    await sandbox.close();
  }
});
