/**
 * The device authorization grant against the sandbox: pending until the user approves, then connected; and an
 * approval whose tokens cannot be saved never claims to have connected. Each on SQLite and PostgreSQL, with the
 * shared setup of ./connect-sandbox.
 */
import { KeywayError } from '../../src/errors';
import { createInstance } from '../../src/runtime';
import type { Connection, StoreEngine } from '../../src/store';
import { openPostgresTestStore, storeEngines } from '../support/runtime-stores';
import { connectSandbox } from './connect-sandbox';
import type { ConnectSandbox } from './connect-sandbox';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** A fresh device-flow connection of the testkit component, on a new instance. */
async function deviceConnection(env: ConnectSandbox, name: string): Promise<Connection> {
  const created = await createInstance(env, {
    customerId: env.customerId,
    name,
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
  return connection;
}

/** SQL that makes writes fail inside the database (`inject`), and SQL that removes the fault (`heal`). */
interface Fault {
  readonly inject: string;
  readonly heal: string;
}

/** A trigger raising an error on every update of connection `id`. */
function raisingTrigger(engine: StoreEngine, id: string): Fault {
  if (engine === 'sqlite') {
    return {
      inject: `create trigger kw_test_fail_save before update on connections when old.id = '${id}'
               begin select raise(abort, 'injected failure'); end;`,
      heal: 'drop trigger kw_test_fail_save;',
    };
  }
  return {
    inject: `create function kw_test_fail_save() returns trigger language plpgsql as
               $$ begin raise exception 'injected failure'; end $$;
             create trigger kw_test_fail_save before update on connections for each row
               when (old.id = '${id}') execute function kw_test_fail_save();`,
    heal: 'drop trigger kw_test_fail_save on connections; drop function kw_test_fail_save();',
  };
}

/**
 * Approves a device session at the sandbox, then polls while `fault` makes the save of connection's tokens fail:
 * the poll fails with `code` and writes nothing; once the fault is gone the provider refuses the used device
 * code, so the session fails (start again) and never claims `connected`; starting again connects.
 */
async function expectFailedSaveNeverConnects(
  env: ConnectSandbox,
  fault: (connectionId: string) => Fault,
  code: string,
): Promise<void> {
  const connection = await deviceConnection(env, `Globex device ${code}`);
  const started = await env.flows.startDeviceAuthorization(connection.id);
  const before = await env.store.getConnection(connection.id);
  const deviceCode = (await env.store.getDeviceSession(started.sessionId))?.deviceCode ?? '';
  expect(deviceCode.length).toBeGreaterThan(0);
  await env.sandbox.approveDevice(started.userCode);
  const { inject, heal } = fault(connection.id);
  await env.rawExec(inject);
  const now = Date.now() + started.intervalMs;
  let failure: unknown;
  try {
    failure = await rejection(env.flows.pollDeviceAuthorization(started.sessionId, { now }));
  } finally {
    await env.rawExec(heal);
  }

  // Nothing written: the session pending, the connection as it was; and a typed error that gives away no secret.
  expect(await env.store.getDeviceSession(started.sessionId)).toMatchObject({
    status: 'pending',
    completedAt: null,
  });
  expect(await env.store.getConnection(connection.id)).toEqual(before);
  expect(failure).toBeInstanceOf(KeywayError);
  expect(failure).toMatchObject({ code });
  const exposed = `${(failure as KeywayError).message} ${JSON.stringify(failure)}`;
  expect(exposed).not.toContain(deviceCode);
  expect(exposed).not.toContain('injected failure');

  // The fault is gone. The sandbox consumed the device code with the first exchange, so the provider now
  // refuses it: the session ends as failed, telling the customer to start again, and nothing is connected.
  env.sandbox.resetCounts();
  const again = await rejection(
    env.flows.pollDeviceAuthorization(started.sessionId, { now: now + started.intervalMs }),
  );
  expect(again).toMatchObject({ code: 'KW_DEVICE_SESSION_FAILED' });
  expect((again as KeywayError).message).toMatch(/start the device flow again/);
  expect(`${(again as KeywayError).message} ${JSON.stringify(again)}`).not.toContain(deviceCode);
  expect(env.sandbox.tokenRequests()[DEVICE_GRANT]).toBe(1);
  expect(await env.store.getDeviceSession(started.sessionId)).toMatchObject({ status: 'failed' });
  expect(await env.store.getConnection(connection.id)).toEqual(before);

  // Settled: later polls give the same answer without asking the provider.
  const settled = await rejection(
    env.flows.pollDeviceAuthorization(started.sessionId, { now: now + 2 * started.intervalMs }),
  );
  expect(settled).toMatchObject({ code: 'KW_DEVICE_SESSION_FAILED' });
  expect(env.sandbox.tokenRequests()[DEVICE_GRANT]).toBe(1);

  // Starting again connects.
  const restarted = await env.flows.startDeviceAuthorization(connection.id);
  await env.sandbox.approveDevice(restarted.userCode);
  const done = await env.flows.pollDeviceAuthorization(restarted.sessionId, {
    now: Date.now() + restarted.intervalMs,
  });
  expect(done.status).toBe('connected');
  expect(await env.store.getConnection(connection.id)).toMatchObject({ status: 'connected' });
}

/** The error `promise` rejects with (it must reject). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe.each(storeEngines)('device-flow connections against the sandbox on %s', (_engine, open) => {
  const env = connectSandbox(open);

  it('connects with the device flow: pending until the user approves, then connected', async () => {
    const connection = await deviceConnection(env, 'Globex device');
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
    expect(env.sandbox.tokenRequests()[DEVICE_GRANT] ?? 0).toBe(0);
    const later = Date.now() + started.intervalMs;
    const pending = await env.flows.pollDeviceAuthorization(started.sessionId, { now: later });
    expect(pending.status).toBe('pending');
    await env.sandbox.approveDevice(started.userCode);
    const done = await env.flows.pollDeviceAuthorization(started.sessionId, { now: later + 60_000 });
    expect(done.status).toBe('connected');
    const row = await env.store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'connected' });
    expect(typeof row?.tokenSet?.accessToken).toBe('string');
    expect(await env.store.getDeviceSession(started.sessionId)).toMatchObject({ status: 'approved' });
  });

  it('never reports connected when the approved tokens cannot be saved, and ends the session once the provider refuses the used code', async () => {
    // Regression: the session was marked approved before the tokens were saved, so a failed save lost the
    // tokens and every later poll answered `connected` for a connection that was not connected.
    await expectFailedSaveNeverConnects(
      env,
      (id) => raisingTrigger(env.store.engine, id),
      'KW_STORE_WRITE_FAILED',
    );
  });
});

describe('device-flow connections against the sandbox on PostgreSQL, losing the database session', () => {
  const env = connectSandbox(openPostgresTestStore);

  it('never reports connected when the database session dies while the tokens are saved', async () => {
    // The backend that runs the save terminates itself in the middle of the transaction, as a failover would.
    await expectFailedSaveNeverConnects(
      env,
      (id) => ({
        inject: `create function kw_test_kill_save() returns trigger language plpgsql as
                   $$ begin perform pg_terminate_backend(pg_backend_pid()); perform pg_sleep(5); return new; end $$;
                 create trigger kw_test_kill_save before update on connections for each row
                   when (old.id = '${id}') execute function kw_test_kill_save();`,
        heal: 'drop trigger kw_test_kill_save on connections; drop function kw_test_kill_save();',
      }),
      'KW_STORE_UNAVAILABLE',
    );
  });
});
