/**
 * A small component whose connection targets Keyway's local sandbox (an oidc-provider authorization server
 * with a demo API), so the whole connect → act path can be tried with no vendor account.
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { sandbox, toSpectralConnection } from '../../../connections';

/** Authorization code with PKCE against the sandbox issuer. */
export const sandboxOAuth = toSpectralConnection(sandbox, { grantType: 'authorization_code' });
/** Client credentials against the sandbox issuer. */
export const sandboxClientCredentials = toSpectralConnection(sandbox, { grantType: 'client_credentials' });

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '')
    throw new ConnectionError(connection, 'This sandbox connection has no access token; connect it first.');
  const baseURL =
    util.types.toString(connection.fields.apiBaseUrl) || util.types.toString(connection.fields.issuer);
  return axios.create({ baseURL, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const getMe = action({
  display: { label: 'Get me', description: "The demo API's view of the connected user (GET /api/me)." },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/api/me');
    return { data };
  },
});

const getUserinfo = action({
  display: { label: 'Get userinfo', description: 'OpenID Connect userinfo of the connected user (GET /me).' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const url = util.types.toString(connection.fields.userinfoUrl) || '/me';
    const { data } = await client(connection).get<Record<string, unknown>>(url);
    return { data };
  },
});

export default component({
  key: 'sandboxDemo',
  public: false,
  display: {
    label: 'Keyway sandbox demo',
    description: 'Calls the Keyway sandbox demo API with a token from the sandbox authorization server.',
    iconPath: 'icon.png',
  },
  connections: [sandboxOAuth, sandboxClientCredentials],
  actions: { getMe, getUserinfo },
});
