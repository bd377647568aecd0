/**
 * The resource-owner password grant connect flow, against an in-process token endpoint, with a real SQLite
 * store; then actions run with the tokens obtained.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  createInstance,
  runAction,
} from '../../src/runtime';
import type { Connection, Instance, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { caught } from '../support/errors';

describe('password grant connect flow', () => {
  const CLIENT_SECRET = 'pw-client-secret-123';
  const PASSWORD = 'correct horse battery';
  let testStore: TestStore;
  let store: Store;
  let components: ComponentRegistry;
  let flows: ConnectFlows;
  let server: Server;
  let baseUrl: string;
  const tokenBodies: URLSearchParams[] = [];
  const issued = new Set<string>();
  // Switches for the provider: some password-grant providers issue no refresh token; users change passwords.
  let issueRefreshToken = true;
  let acceptedPassword = PASSWORD;

  beforeAll(async () => {
    // The smallest token endpoint that implements RFC 6749 §4.3 with client_secret_post, plus one API route.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/token') {
          const form = new URLSearchParams(body);
          tokenBodies.push(form);
          const ok =
            form.get('grant_type') === 'password' &&
            form.get('client_secret') === CLIENT_SECRET &&
            form.get('username') === 'ada' &&
            form.get('password') === acceptedPassword;
          if (!ok) {
            res.writeHead(400, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'bad credentials' }));
            return;
          }
          const accessToken = `pw-at-${randomUUID()}`;
          issued.add(accessToken);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              access_token: accessToken,
              token_type: 'Bearer',
              expires_in: 3600,
              ...(issueRefreshToken ? { refresh_token: 'pw-rt-1' } : {}),
            }),
          );
          return;
        }
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        res.writeHead(issued.has(token) ? 200 : 401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(issued.has(token) ? { user: 'ada' } : { error: 'invalid_token' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    testStore = await openSqliteTestStore();
    store = testStore.store;
    components = new ComponentRegistry({ store });
    components.loadFromPath(buildTestComponent('testkit'));
    flows = new ConnectFlows({ store, components });
  });

  afterAll(async () => {
    await testStore.close();
    await new Promise((resolve) => server.close(resolve));
  });

  async function passwordConnection(): Promise<{ instance: Instance; connection: Connection }> {
    const customerId = (await store.createCustomer({ name: `Hooli ${randomUUID()}` })).id;
    const { instance, connections } = await createInstance(
      { store, components },
      {
        customerId,
        name: 'Hooli',
        components: ['testkit'],
        connections: [
          {
            name: 'pw',
            componentKey: 'testkit',
            definitionKey: 'testkitPassword',
            fields: {
              tokenUrl: `${baseUrl}/token`,
              apiBaseUrl: baseUrl,
              clientId: 'pw-client',
              clientSecret: CLIENT_SECRET,
            },
          },
        ],
      },
    );
    return { instance, connection: (connections as [Connection])[0] };
  }

  it('exchanges the resource owner credentials once and runs an action with the token', async () => {
    const { instance, connection } = await passwordConnection();
    expect(connection.grantType).toBe('password');
    const connected = await flows.connectWithPassword(connection.id, { username: 'ada', password: PASSWORD });
    expect(connected).toMatchObject({ status: 'connected', fields: { username: 'ada' } });
    expect(connected.secretFields.password).toBe(PASSWORD);
    const credentials = new CredentialManager({ store, components });
    const { result } = await runAction(
      { store, components, credentials },
      {
        instanceId: instance.id,
        componentKey: 'testkit',
        actionKey: 'whoami',
        connections: { connection: 'pw' },
      },
    );
    expect((result as { data: unknown }).data).toEqual({ user: 'ada' });
  });

  it('keeps the connection unchanged and the password out of the error when the provider refuses', async () => {
    const { connection } = await passwordConnection();
    const error = await caught(
      flows.connectWithPassword(connection.id, { username: 'ada', password: 'wrong-password-1' }),
    );
    expect(error.code).toBe('KW_OAUTH_INVALID_GRANT');
    expect(JSON.stringify(error.toJSON())).not.toContain('wrong-password-1');
    expect(error.message).not.toContain('wrong-password-1');
    const row = await store.getConnection(connection.id);
    expect(row).toMatchObject({ status: 'pending', tokenSet: null, version: connection.version });
    expect(row?.secretFields.password).toBeUndefined();
  });

  it('signs in again with the stored password when the provider issued no refresh token, and asks for reauthorization once the password stops working', async () => {
    issueRefreshToken = false;
    try {
      const { instance, connection } = await passwordConnection();
      await flows.connectWithPassword(connection.id, { username: 'ada', password: PASSWORD });
      const connected = await store.getConnection(connection.id);
      // Signed in again on demand when an action needs it, never by the background refresher.
      expect(connected?.refreshAt).toBeNull();
      let now = Date.now();
      const credentials = new CredentialManager({ store, components, now: () => now });
      const run = () =>
        runAction(
          { store, components, credentials, now: () => now },
          {
            instanceId: instance.id,
            componentKey: 'testkit',
            actionKey: 'whoami',
            connections: { connection: 'pw' },
          },
        );

      const grantsBefore = tokenBodies.length;
      now += 2 * 3600 * 1000; // past the token's lifetime
      const { result } = await run();
      expect((result as { data: unknown }).data).toEqual({ user: 'ada' });
      expect(tokenBodies.length).toBe(grantsBefore + 1);
      expect(tokenBodies.at(-1)?.get('grant_type')).toBe('password');

      acceptedPassword = 'changed-at-the-provider';
      now += 2 * 3600 * 1000;
      const error = await caught(run());
      expect(error.code).toBe('KW_CONNECTION_NOT_CONNECTED');
      expect(JSON.stringify(error.toJSON())).not.toContain(PASSWORD);
      expect(await store.getConnection(connection.id)).toMatchObject({ status: 'needs_reauthorization' });
      expect(tokenBodies.length).toBe(grantsBefore + 2);
    } finally {
      issueRefreshToken = true;
      acceptedPassword = PASSWORD;
    }
  });
});
