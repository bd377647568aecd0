/**
 * Scenario 3, connect flow: complete authorization-code flows (start → authorize at a fast local server →
 * callback → code exchange → encrypted store) at 16 concurrent callers, 1,000 per run, on SQLite and
 * PostgreSQL. Reports flows/s and this process's CPU per flow (target ≤ 2 ms). The same-run baseline is the
 * flow's two HTTP round trips alone (authorize 302 + token POST with PKCE, no store, no runtime), which is the
 * floor a flow cannot go under. The authorization server is the fast local server in a child process, not
 * oidc-provider, so its CPU is not counted.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../src/store';
import { compareThroughput, knob, verdict } from './run';
import type { BenchRow, BenchSection } from './run';
import {
  CLIENT_SECRET,
  REDIRECT_URI,
  benchComponents,
  benchFlows,
  connectOnce,
  createBenchInstance,
  httpCall,
  fastServerSection,
} from './support/common';
import type { BenchEngine, FastServer } from './support/common';

const TARGET_CPU_MS = 2;
const CONNECTIONS = 256;

async function measureEngine(engine: BenchEngine, server: FastServer, store: Store): Promise<BenchRow[]> {
  const components = await benchComponents(store);
  const { connections } = await createBenchInstance(store, components, server.url, CONNECTIONS);
  const flows = benchFlows(store, components);
  let next = 0;
  const subject = async (): Promise<void> => {
    const connection = connections[next++ % connections.length];
    if (!connection) throw new Error('no connection');
    const connected = await connectOnce(flows, connection.id);
    if (connected.status !== 'connected') throw new Error(`flow ended ${connected.status}`);
  };
  const basic = `Basic ${Buffer.from(`keyway-bench:${CLIENT_SECRET}`).toString('base64')}`;
  const baseline = async (): Promise<void> => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(16).toString('base64url');
    const authorize = new URL(`${server.url}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: 'keyway-bench',
      redirect_uri: REDIRECT_URI,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }))
      authorize.searchParams.set(k, v);
    const answer = await httpCall(authorize.toString());
    const code = new URL(answer.location ?? REDIRECT_URI).searchParams.get('code') ?? '';
    // The same client Keyway's default transport uses (node:http over a keep-alive agent).
    const response = await httpCall(`${server.url}/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      }).toString(),
    });
    const body = JSON.parse(response.body) as { access_token?: unknown };
    if (typeof body.access_token !== 'string') throw new Error(`token endpoint answered ${response.status}`);
  };

  const iterations = knob('CONNECT_FLOWS', 1000, 300);
  const result = await compareThroughput({ subject, baseline, iterations });
  const stats = await server.stats();
  const variant = engine.variant;
  const baselineLabel = 'the two HTTP round trips alone';
  return [
    {
      section: 'connect',
      name: 'CPU per complete flow (this process), 16 callers',
      variant,
      unit: 'ms',
      value: result.subject.cpuMsPerOp,
      baseline: { label: baselineLabel, value: result.baseline.cpuMsPerOp },
      ratio: result.subject.cpuMsPerOp.median / result.baseline.cpuMsPerOp.median,
      target: `≤ ${TARGET_CPU_MS} ms`,
      verdict: verdict(result.subject.cpuMsPerOp.median <= TARGET_CPU_MS),
      note: `${iterations} flows per run; includes the simulated browser's authorize request; the server rejected ${stats['rejected']} token requests`,
    },
    {
      section: 'connect',
      name: 'complete flows per second, 16 callers',
      variant,
      unit: 'flows/s',
      value: result.subject.perSecond,
      baseline: { label: baselineLabel, value: result.baseline.perSecond },
      ratio: result.ratio,
    },
  ];
}

export const section: BenchSection = fastServerSection(
  'connect',
  'the authorization server is a minimal token endpoint (bench/support/fast-server.ts, in a child process: instant 302 authorize, PKCE S256 and client secret checked), not oidc-provider',
  measureEngine,
);
