/**
 * A test-only component whose one connection signs in to the sandbox with the resource owner password grant
 * (`toSpectralConnection(sandbox, { grantType: 'password' })`: a plain spectral connection carrying the hidden
 * `keywayGrantType` input). Kept out of components/sandbox-demo so `keyway start` shows the same demo as before.
 *
 * Built by test/support/components/build.ts with esbuild into a self-contained CommonJS bundle.
 */
import axios from 'axios';
import { ConnectionError, action, component, input, util } from '@prismatic-io/spectral';
import { sandbox, toSpectralConnection } from '../../../../connections';

/** Username and password against the sandbox issuer, as the sandbox's `password` client. */
const sandboxPassword = toSpectralConnection(sandbox, { grantType: 'password', key: 'sandboxPassword' });

const getMe = action({
  display: { label: 'Get me', description: "The sandbox demo API's view of the token (GET /api/me)." },
  inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
  perform: async (_context, { connection }) => {
    const token = util.types.toString(connection.token?.access_token);
    if (token === '') throw new ConnectionError(connection, 'This connection has no access token yet.');
    const base =
      util.types.toString(connection.fields.apiBaseUrl) || util.types.toString(connection.fields.issuer);
    const { data } = await axios.get<Record<string, unknown>>(`${base}/api/me`, {
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
    });
    return { data };
  },
});

export default component({
  key: 'sandboxPassword',
  public: false,
  display: {
    label: 'Sandbox password sign-in',
    description: 'Test-only component: a password-grant connection to the Keyway sandbox.',
    iconPath: 'icon.png',
  },
  connections: [sandboxPassword],
  actions: { getMe },
});
