/**
 * A PostgreSQL cluster of the test's own (initdb into a temp dir, a free port), for tests that stop, restart or
 * freeze the database. The shared server on 5432 is never touched. As root, the server programs run as the
 * `postgres` user (initdb refuses root).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onFreePort } from './ports';

/** A running throw-away cluster. */
export interface ThrowawayPostgres {
  /** `postgres://root@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  stop(): void;
  start(): void;
  /**
   * Freezes every process of the cluster (SIGSTOP): the kernel still accepts connections and acknowledges
   * packets, but nothing answers, as with a hung server or a half-open proxy. {@link ThrowawayPostgres.thaw}
   * resumes it.
   */
  freeze(): void;
  thaw(): void;
  /** Stops it and deletes its directory. */
  destroy(): void;
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
}

/** True when initdb is installed here. */
export const throwawayPostgresAvailable = binDir() !== undefined;

/** The postmaster of the cluster in `data` and its children (from /proc: no tool needed). */
function clusterPids(data: string): number[] {
  const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
        // Fields after "(comm)": state, ppid, …
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

/** initdb into a temp dir and start the cluster on a free port (fsync off: it holds nothing worth keeping). */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = binDir();
  if (bin === undefined) throw new Error('initdb not found under /usr/lib/postgresql');
  const dir = mkdtempSync(join(tmpdir(), 'keyway-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres', dir]);
  const run = (program: string, args: string[]): void => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args];
    execFileSync(file, argv, { stdio: 'ignore', timeout: 60_000 });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'root', '--no-sync']);
  // The port is in the cluster's options, so it is chosen first; a port taken before the postmaster bound it
  // ("could not bind" in its log) means another try with a new one.
  const { port, start } = await onFreePort((port) => {
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
    const log = join(dir, `log-${port}`);
    const start = (): void => run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', 'start']);
    try {
      start();
    } catch (error) {
      const said = existsSync(log) ? readFileSync(log, 'utf8') : '';
      throw new Error(`pg_ctl start on port ${port} failed:\n${said}`, { cause: error });
    }
    return Promise.resolve({ port, start });
  });
  const stop = (): void => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  let frozen: number[] = [];
  const thaw = (): void => {
    for (const pid of frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // exited meanwhile
      }
    }
  };
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    start,
    stop,
    freeze: () => {
      frozen = clusterPids(data);
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    destroy: () => {
      // A frozen postmaster would never answer pg_ctl stop.
      thaw();
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
