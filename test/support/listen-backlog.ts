/**
 * The accept-queue size of the socket listening on 127.0.0.1:`port`, read back from the kernel with `ss` (whose
 * Send-Q column of a listening socket is its backlog), and the most the kernel grants (`net.core.somaxconn`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function listenBacklog(port: number): { readonly backlog: number; readonly somaxconn: number } {
  const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  // State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
  const [state, , backlog, local] = line.split(/\s+/);
  if (state !== 'LISTEN' || local !== `127.0.0.1:${port}`) {
    throw new Error(`ss shows no socket listening on 127.0.0.1:${port}: "${line}"`);
  }
  return {
    backlog: Number(backlog),
    somaxconn: Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')),
  };
}
