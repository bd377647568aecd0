/**
 * Client-credentials connections against the sandbox: no browser flow, a token from the platform's shared app,
 * and an action run with it.
 * Each on SQLite and PostgreSQL, with the shared setup of ./connect-sandbox.
 */
import { createInstance, runAction } from '../../src/runtime';
import type { Connection } from '../../src/store';
import { caught } from '../support/errors';
import { storeEngines } from '../support/runtime-stores';
import { BROWSER, connectSandbox } from './connect-sandbox';

describe.each(storeEngines)('client-credentials connections against the sandbox on %s', (_engine, open) => {
  const env = connectSandbox(open);

  it('refuses to start a browser flow for a client-credentials connection', async () => {
    const connection = await env.store.createConnection({
      instanceId: env.instance.id,
      name: 'cc-wrong-flow',
      componentKey: 'sandboxDemo',
      definitionKey: 'sandboxClientCredentials',
      grantType: 'client_credentials',
      fields: { issuer: env.sandbox.issuer },
    });
    const error = await caught(
      env.flows.startAuthorization({
        connectionId: connection.id,
        browserBinding: BROWSER,
        redirectUri: env.redirectUri,
      }),
    );
    expect(error.code).toBe('KW_CONNECT_GRANT_UNSUPPORTED');
  });

  it('connects a client-credentials connection with the shared app and runs an action with its token', async () => {
    const created = await createInstance(
      {
        store: env.store,
        components: env.components,
        platformDefaults: {
          sandboxDemo: {
            sandboxClientCredentials: {
              clientId: env.sandbox.clients.service.clientId,
              clientSecret: env.sandbox.clients.service.clientSecret,
            },
          },
        },
      },
      {
        customerId: env.customerId,
        name: 'Globex service',
        components: ['sandboxDemo'],
        connections: [
          {
            name: 'service',
            componentKey: 'sandboxDemo',
            definitionKey: 'sandboxClientCredentials',
            fields: { issuer: env.sandbox.issuer, scopes: 'api:read' },
          },
        ],
      },
    );
    const [connection] = created.connections as [Connection];
    // Platform values are kept apart from what the customer gave.
    expect(connection.fields).toEqual({ issuer: env.sandbox.issuer, scopes: 'api:read' });
    expect(connection.secretFields.clientId).toBe(env.sandbox.clients.service.clientId);
    const connected = await env.flows.connectWithClientCredentials(connection.id);
    expect(connected.status).toBe('connected');
    const { result } = await runAction(env, {
      instanceId: created.instance.id,
      componentKey: 'sandboxDemo',
      actionKey: 'getMe',
    });
    expect((result as { data: Record<string, unknown> }).data).toBeDefined();
  });
});
