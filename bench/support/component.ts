/**
 * The benchmark's component, written with plain spectral as a connector builder would: one OAuth 2.0
 * authorization-code connection (PKCE S256), one action doing a single axios GET with the token, one doing
 * nothing but read the token (to measure the runtime around an action) and a webhook trigger doing as little
 * (to measure the runtime around a webhook call).
 * The bench builds it into a bundle and publishes it into the store, and the runtime loads it from there, as
 * `keyway serve` loads published components.
 */
import { Agent } from 'node:http';
import {
  OAuth2PkceMethod,
  OAuth2Type,
  action,
  component,
  input,
  oauth2Connection,
  trigger,
  util,
} from '@prismatic-io/spectral';
import axios from 'axios';

/** Keep-alive, as the same-run baseline uses: the comparison is runtime overhead, not TCP handshakes. */
export const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** The connection definition key. */
export const BENCH_CONNECTION = 'benchOAuth';
/** The component key. */
export const BENCH_COMPONENT = 'keywayBench';

const benchOAuth = oauth2Connection({
  key: BENCH_CONNECTION,
  display: {
    label: 'Bench OAuth',
    description: 'Authorization code with PKCE against the fast local server',
  },
  oauth2Type: OAuth2Type.AuthorizationCode,
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  inputs: {
    authorizeUrl: { label: 'Authorize URL', type: 'string', required: true, shown: false },
    tokenUrl: { label: 'Token URL', type: 'string', required: true, shown: false },
    scopes: { label: 'Scopes', type: 'string', required: false, default: 'items:read' },
    clientId: { label: 'Client id', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: true },
    apiBaseUrl: { label: 'API base URL', type: 'string', required: true, shown: false },
  },
});

const getItem = action({
  display: { label: 'Get item', description: 'GET {apiBaseUrl}/api/item with the bearer token' },
  inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
  perform: async (_context, { connection }) => {
    const token = util.types.toString(connection.token?.access_token);
    const { data } = await axios.get<Record<string, unknown>>(
      `${util.types.toString(connection.fields.apiBaseUrl)}/api/item`,
      {
        headers: { Authorization: `Bearer ${token}` },
        httpAgent: keepAliveAgent,
      },
    );
    return { data };
  },
});

/**
 * The same action without the request: what is left is what the runtime does around an action (snapshot, token,
 * context, state, execution record) and spectral's perform wrapper.
 */
const echoItem = action({
  display: { label: 'Echo item', description: 'Returns the item without any I/O' },
  inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
  perform: async (_context, { connection }) => {
    const token = util.types.toString(connection.token?.access_token);
    return Promise.resolve({ data: { id: 'item-1', authorized: token !== '' } });
  },
});

/** The webhook trigger's key. */
export const BENCH_TRIGGER = 'echoHook';

/**
 * A webhook trigger that reads the token and answers the request from `response`, with no I/O: what is left is
 * what Keyway does around a webhook call (route, subscription, token, context, execution, event) and spectral.
 */
const echoHook = trigger({
  display: { label: 'Echo hook', description: 'Answers a webhook request without any I/O' },
  inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
  synchronousResponseSupport: 'valid',
  scheduleSupport: 'invalid',
  perform: async (_context, payload, { connection }) => {
    const token = util.types.toString(connection.token?.access_token);
    return Promise.resolve({
      payload,
      response: { statusCode: 200, contentType: 'application/json', body: `{"ok":${String(token !== '')}}` },
    });
  },
});

export default component({
  key: BENCH_COMPONENT,
  public: false,
  display: { label: 'Keyway bench', description: 'One GET with a token', iconPath: 'icon.png' },
  connections: [benchOAuth],
  actions: { getItem, echoItem },
  triggers: { echoHook },
});
