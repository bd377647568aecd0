/**
 * The shipped Smartenit component through the real runtime against an in-process Smartenit fake, one test per
 * grant: published, instantiated, connected (authorization code, implicit: a person in a browser) or activated
 * (password with the client authenticated first, client credentials: no person), then its actions run.
 */
import type { Connection } from '../../src/store';
import { caught } from '../support/errors';
import { startShippedRuntime, type ShippedRuntime } from '../support/shipped-runtime';
import { startSmartenitFake, type SmartenitFake } from '../support/vendors/smartenit';

let runtime: ShippedRuntime;
let fake: SmartenitFake;

beforeAll(async () => {
  runtime = await startShippedRuntime();
  fake = await startSmartenitFake();
  expect(await runtime.publish('smartenit')).toBe('smartenit');
});
afterAll(async () => {
  await runtime.close();
  await fake.close();
});

/** The shipped URLs pointed at the fake, and the app's client. */
function fields(extra: Record<string, string> = {}): Record<string, string> {
  return {
    authorizeUrl: `${fake.baseUrl}/v2/oauth2/authorize`,
    tokenUrl: `${fake.baseUrl}/v2/oauth2/token`,
    apiBaseUrl: `${fake.baseUrl}/v2`,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    ...extra,
  };
}

/** A connection without a browser step declares no authorize URL; the implicit one declares no token URL. */
function withoutUrl(
  name: 'authorizeUrl' | 'tokenUrl',
  values: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => key !== name));
}

async function single(definitionKey: string, values: Record<string, string>) {
  const { instanceId, connections } = await runtime.instance('smartenit', [
    { name: 'home', definitionKey, fields: values },
  ]);
  return { instanceId, connection: connections[0] as Connection };
}

const tokenBodies = (grantType: string) =>
  fake.requests.filter((r) => r.path === '/v2/oauth2/token' && r.form?.get('grant_type') === grantType);

describe('Smartenit component', () => {
  it('authorization code: a person signs in, then devices are discovered and linked to their account', async () => {
    const { instanceId, connection } = await single('smartenitOAuth', fields());
    const { connected, authorizeUrl } = await runtime.connectWithCode(connection);
    expect(connected.status).toBe('connected');
    expect(authorizeUrl.searchParams.get('response_type')).toBe('code');
    expect(connected.tokenSet?.['refreshToken']).toEqual(expect.any(String));

    const found = await runtime.act(instanceId, 'smartenit', 'discoverDevices');
    expect(found).toEqual([expect.objectContaining({ _id: '5759a2c6fb73933d7b513bf2', type: 'gateway' })]);
    const linked = await runtime.act(instanceId, 'smartenit', 'linkDevice', {
      deviceId: '5759a2c6fb73933d7b513bf2',
    });
    expect(linked).toMatchObject({ accountId: fake.username });
  });

  it('implicit (legacy, opt-in): the token comes back in the fragment and is saved against the started session', async () => {
    const { instanceId, connection } = await single('smartenitImplicit', withoutUrl('tokenUrl', fields()));
    const { authorizationUrl } = await runtime.flows.startAuthorization({
      connectionId: connection.id,
      browserBinding: 'implicit-browser',
      redirectUri: 'https://keyway.example/oauth/callback',
    });
    expect(new URL(authorizationUrl).searchParams.get('response_type')).toBe('token');
    expect(new URL(authorizationUrl).searchParams.get('code_challenge')).toBeNull();
    const redirect = await followRedirect(authorizationUrl);
    const { connection: connected } = await runtime.flows.completeImplicit(new URL(redirect).hash, {
      browserBinding: 'implicit-browser',
    });
    expect(connected).toMatchObject({ status: 'connected', refreshAt: null });
    expect(connected.expiresAt).toEqual(expect.any(Number));
    const linked = await runtime.act(instanceId, 'smartenit', 'linkDevice', {
      deviceId: '5759a2c6fb73933d7b513bf2',
    });
    expect(linked).toMatchObject({ accountId: fake.username });

    // The session was single-use: the same fragment again is refused.
    const replay = await caught(
      runtime.flows.completeImplicit(new URL(redirect).hash, { browserBinding: 'implicit-browser' }),
    );
    expect(replay.code).toMatch(/^KW_AUTH_SESSION_/);
  });

  it('password supplied by the platform: activated with no person, the client verified before the user', async () => {
    const { instanceId, connection } = await single(
      'smartenitPassword',
      withoutUrl('authorizeUrl', fields({ username: fake.username, password: fake.password })),
    );
    expect(connection.status).toBe('pending');
    const activation = await runtime.flows.activate(connection.id);
    expect(activation).toMatchObject({ connection: { status: 'connected' }, token: { refreshToken: true } });
    const body = tokenBodies('password').at(-1)?.form;
    expect(body?.get('client_id')).toBe(fake.clientId);
    expect(body?.get('client_secret')).toBe(fake.clientSecret);
    expect(body?.get('username')).toBe(fake.username);
    expect(await runtime.act(instanceId, 'smartenit', 'discoverDevices')).toHaveLength(1);
  });

  it('password with a wrong client secret is refused as invalid_client before the user is looked at', async () => {
    const { connection } = await single(
      'smartenitPassword',
      withoutUrl(
        'authorizeUrl',
        fields({ clientSecret: 'not-the-secret', username: fake.username, password: 'wrong too' }),
      ),
    );
    const error = await caught(runtime.flows.activate(connection.id));
    expect(error.code).toBe('KW_OAUTH_INVALID_CLIENT');
    const wrongUser = await single(
      'smartenitPassword',
      withoutUrl('authorizeUrl', fields({ username: fake.username, password: 'wrong' })),
    );
    expect((await caught(runtime.flows.activate(wrongUser.connection.id))).code).toBe(
      'KW_OAUTH_INVALID_GRANT',
    );
    expect(await runtime.store.getConnection(wrongUser.connection.id)).toMatchObject({ status: 'pending' });
  });

  it('client credentials: fetched on first use with no one connecting, then a device is registered', async () => {
    const { instanceId, connection } = await single(
      'smartenitClientCredentials',
      withoutUrl('authorizeUrl', fields()),
    );
    const before = tokenBodies('client_credentials').length;
    const registered = await runtime.act(instanceId, 'smartenit', 'registerDevice', {
      name: 'My Wifi device',
      hwId: 'a1b2c3',
    });
    expect(registered).toEqual({ _id: 'dev-a1b2c3', name: 'My Wifi device', type: 'wifi' });
    expect(tokenBodies('client_credentials').length).toBe(before + 1);
    expect(await runtime.store.getConnection(connection.id)).toMatchObject({
      status: 'connected',
      refreshAt: null,
    });
  });
});

/** Follows the fake's authorize redirect (it signs the user in at once) and returns where it sends the browser. */
async function followRedirect(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  await res.arrayBuffer();
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null) throw new Error(`authorize answered ${res.status}`);
  return location;
}
