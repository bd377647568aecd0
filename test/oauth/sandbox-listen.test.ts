/**
 * The sandbox takes a burst of new connections. A refresh storm is a thousand calls at once, each on a connection
 * of its own; with node's default accept queue (511) the kernel dropped the rest, each dropped connection was
 * retried a whole second later, and storms in `npm run bench` took 1.4 s instead of 0.4 s.
 */
import { startSandbox } from '../../src/sandbox';
import { listenBacklog } from '../support/listen-backlog';

it('listens with an accept queue for a burst of a thousand connections (as far as the kernel allows)', async () => {
  const sandbox = await startSandbox();
  try {
    const { backlog, somaxconn } = listenBacklog(Number(new URL(sandbox.issuer).port));
    expect(backlog).toBe(Math.min(4096, somaxconn));
    expect(backlog).toBeGreaterThanOrEqual(1000);
  } finally {
    await sandbox.close();
  }
});
