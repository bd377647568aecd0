/**
 * The shipped Proximie component through the real runtime, against two fakes standing for Proximie's development
 * and production environments: published, instantiated, connected with code + PKCE (a person) or activated with
 * client credentials and the API's audience (no person), each connection in the environment it chose.
 */
import type { Connection } from '../../src/store';
import { caught } from '../support/errors';
import { startShippedRuntime, type ShippedRuntime } from '../support/shipped-runtime';
import { PROXIMIE_AUDIENCE, startProximieFake, type ProximieFake } from '../support/vendors/proximie';

let runtime: ShippedRuntime;
let development: ProximieFake;
let production: ProximieFake;

beforeAll(async () => {
  runtime = await startShippedRuntime();
  development = await startProximieFake({ environment: 'development' });
  production = await startProximieFake({ environment: 'production' });
  expect(await runtime.publish('proximie')).toBe('proximie');
});
afterAll(async () => {
  await runtime.close();
  await development.close();
  await production.close();
});

/** The shipped environments with their hosts pointed at the two fakes (auth and app on one fake each). */
function environments(): string {
  const hosts = (fake: ProximieFake) => ({ appHost: fake.baseUrl, authHost: fake.baseUrl });
  return JSON.stringify({
    default: 'production',
    options: {
      production: { label: 'Production', hosts: hosts(production) },
      development: { label: 'Development', hosts: hosts(development) },
    },
  });
}

const fakes = { development: () => development, production: () => production };

describe('Proximie component', () => {
  it.each(['development', 'production'] as const)(
    'signs a user in with code + PKCE and the audience in the %s environment, then reads their profile, organisations and sessions there',
    async (environment) => {
      const fake = fakes[environment]();
      const other = fakes[environment === 'development' ? 'production' : 'development']();
      const untouched = other.requests.length;
      const { instanceId, connections } = await runtime.instance('proximie', [
        {
          name: 'user',
          definitionKey: 'proximieOAuth',
          fields: {
            keywayEnvironments: environments(),
            environment,
            clientId: fake.clientId,
            clientSecret: fake.clientSecret,
          },
        },
      ]);
      const { connected, authorizeUrl } = await runtime.connectWithCode(connections[0] as Connection);
      expect(connected.status).toBe('connected');
      expect(authorizeUrl.origin).toBe(fake.baseUrl);
      expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorizeUrl.searchParams.get('audience')).toBe(PROXIMIE_AUDIENCE);
      const exchange = fake.requests.find((r) => r.form?.get('grant_type') === 'authorization_code');
      expect(exchange?.form?.get('code_verifier')?.length).toBeGreaterThanOrEqual(43);
      expect(connected.tokenSet?.['refreshToken']).toEqual(expect.any(String));

      expect(await runtime.act(instanceId, 'proximie', 'getCurrentUser')).toEqual({
        id: 'dr-grey',
        environment,
      });
      expect(await runtime.act(instanceId, 'proximie', 'listOrganisations')).toEqual({
        data: [{ id: 'org-1', name: 'St Elsewhere Hospital' }],
      });
      const sessions = await runtime.act(instanceId, 'proximie', 'listSessions', { organisationId: 'org-1' });
      expect(sessions['data']).toHaveLength(2);
      expect(other.requests.length).toBe(untouched);
    },
  );

  it('acts as a device with client credentials and the audience, activated with no person, in the development environment', async () => {
    const { instanceId, connections } = await runtime.instance('proximie', [
      {
        name: 'device',
        definitionKey: 'proximieClientCredentials',
        fields: {
          keywayEnvironments: environments(),
          environment: 'development',
          clientId: development.clientId,
          clientSecret: development.clientSecret,
        },
      },
    ]);
    const connection = connections[0] as Connection;
    expect(connection.status).toBe('pending');
    const activation = await runtime.flows.activate(connection.id);
    expect(activation).toMatchObject({
      connection: { status: 'connected' },
      token: { tokenType: 'bearer', refreshToken: false, expiresAt: expect.any(Number) },
    });
    const request = development.requests.find((r) => r.form?.get('grant_type') === 'client_credentials');
    expect(request?.form?.get('audience')).toBe(PROXIMIE_AUDIENCE);
    expect(request?.form?.get('client_secret')).toBe(development.clientSecret);
    expect(await runtime.act(instanceId, 'proximie', 'getCurrentUser')).toEqual({
      id: `client:${development.clientId}`,
      environment: 'development',
    });
  });

  it('refuses an activation with the wrong secret with the provider’s typed error and stays pending', async () => {
    const { connections } = await runtime.instance('proximie', [
      {
        name: 'device',
        definitionKey: 'proximieClientCredentials',
        fields: {
          keywayEnvironments: environments(),
          clientId: production.clientId,
          clientSecret: 'not-the-secret',
        },
      },
    ]);
    const connection = connections[0] as Connection;
    const error = await caught(runtime.flows.activate(connection.id));
    expect(error.code).toBe('KW_OAUTH_INVALID_CLIENT');
    expect(error.provider).toMatchObject({ error: 'invalid_client', status: 401 });
    expect(await runtime.store.getConnection(connection.id)).toMatchObject({
      status: 'pending',
      tokenSet: null,
    });
  });
});
