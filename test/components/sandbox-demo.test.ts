import { testing } from '@prismatic-io/spectral';
import { resolveConnection } from '../../connections';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { connectionValue, loadBuiltComponent, type BuiltComponent } from '../support/built-components';

let sandbox: Sandbox;
let built: BuiltComponent;

beforeAll(async () => {
  sandbox = await startSandbox();
  built = loadBuiltComponent('sandbox-demo');
});
afterAll(() => sandbox.close());

/** RFC 6749 §2.3.1: id and secret are form-encoded before Basic encoding. */
function basic(id: string, secret: string): string {
  const form = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
}

async function clientCredentialsToken(): Promise<string> {
  const definition = built.connections.find((c) => c.key === 'sandboxClientCredentials');
  const service = sandbox.clients.service;
  const config = resolveConnection(definition, {
    issuer: sandbox.issuer,
    clientId: service.clientId,
    clientSecret: service.clientSecret ?? '',
    scopes: 'api:read',
  });
  const response = await fetch(config.tokenUrl ?? '', {
    method: 'POST',
    headers: {
      authorization: basic(config.clientId, config.clientSecret ?? ''),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: config.scopes.join(' '),
    }).toString(),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${response.status}`);
  return body.access_token;
}

function connectionFor(accessToken: string) {
  return connectionValue(
    built,
    'sandboxClientCredentials',
    { issuer: sandbox.issuer, apiBaseUrl: sandbox.issuer, userinfoUrl: `${sandbox.issuer}/me` },
    { access_token: accessToken, token_type: 'Bearer' },
  );
}

describe('sandbox demo component against the real sandbox', () => {
  it('calls GET /api/me with a client credentials token issued by the sandbox', async () => {
    const accessToken = await clientCredentialsToken();
    const { result } = await testing.invoke(built.actions.getMe as never, {
      connection: connectionFor(accessToken),
    });
    expect(result).toEqual({
      data: expect.objectContaining({ client_id: sandbox.clients.service.clientId, scope: 'api:read' }),
    });
  });

  it('gets 401 from the demo API once the sandbox revoked everything', async () => {
    const accessToken = await clientCredentialsToken();
    await sandbox.revokeAll();
    await expect(
      testing.invoke(built.actions.getMe as never, { connection: connectionFor(accessToken) }),
    ).rejects.toMatchObject({ response: { status: 401 } });
  });

  it('gets 401 from userinfo for a token that belongs to no user', async () => {
    const accessToken = await clientCredentialsToken();
    await expect(
      testing.invoke(built.actions.getUserinfo as never, { connection: connectionFor(accessToken) }),
    ).rejects.toMatchObject({ response: { status: 401 } });
  });
});
