/**
 * The device authorization grant against the sandbox: pending until the user approves, then connected.
 * Each on SQLite and PostgreSQL, with the shared setup of ./connect-sandbox.
 */
import { createInstance } from '../../src/runtime';
import type { Connection } from '../../src/store';
import { storeEngines } from '../support/runtime-stores';
import { connectSandbox } from './connect-sandbox';

describe.each(storeEngines)('device-flow connections against the sandbox on %s', (_engine, open) => {
  const env = connectSandbox(open);

  it('connects with the device flow: pending until the user approves, then connected', async () => {
    const created = await createInstance(env, {
      customerId: env.customerId,
      name: 'Globex device',
      components: ['testkit'],
      connections: [
        {
          name: 'device',
          componentKey: 'testkit',
          definitionKey: 'testkitSandboxDevice',
          fields: {
            issuer: env.sandbox.issuer,
            clientId: env.sandbox.clients.device.clientId,
            keywayClientAuthMethod: 'none',
          },
        },
      ],
    });
    const [connection] = created.connections as [Connection];
    expect(connection.grantType).toBe('device_code');
    const started = await env.flows.startDeviceAuthorization(connection.id);
    expect(started.userCode.length).toBeGreaterThan(0);
    expect(started.verificationUri).toContain(env.sandbox.issuer);
    expect(JSON.stringify(started)).not.toContain('deviceCode');
    // Too early: no request is made before the interval has passed.
    env.sandbox.resetCounts();
    const early = await env.flows.pollDeviceAuthorization(started.sessionId, {
      now: started.expiresAt - 1_000_000,
    });
    expect(early.status).toBe('pending');
    expect(env.sandbox.tokenRequests()['urn:ietf:params:oauth:grant-type:device_code'] ?? 0).toBe(0);
    const later = Date.now() + started.intervalMs;
    const pending = await env.flows.pollDeviceAuthorization(started.sessionId, { now: later });
    expect(pending.status).toBe('pending');
    await env.sandbox.approveDevice(started.userCode);
    const done = await env.flows.pollDeviceAuthorization(started.sessionId, { now: later + 60_000 });
    expect(done.status).toBe('connected');
    const row = await env.store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'connected' });
    expect(typeof row?.tokenSet?.accessToken).toBe('string');
  });
});
