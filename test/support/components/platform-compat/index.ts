/**
 * A component written the way public Prismatic components are: plain spectral, no Keyway import. It reports
 * what the platform hands it (the connection's token and context, every input's value) so the tests can pin
 * what a component author may rely on.
 *
 * - `publicOAuth`: a public client (the client secret optional, hidden, empty) with PKCE, its URLs template
 *   inputs built from the `issuer` field, and a `headers` key/value list for the token requests.
 * - `serviceAccount`: client credentials with a `headers` key/value list.
 *
 * Built by test/support/components/build.ts into a self-contained CommonJS bundle, as a real dist/index.js.
 */
import {
  OAuth2PkceMethod,
  OAuth2Type,
  action,
  component,
  input,
  oauth2Connection,
} from '@prismatic-io/spectral';

const headers = {
  label: 'Token request headers',
  type: 'string',
  collection: 'keyvaluelist',
  required: false,
  shown: false,
} as const;

const publicOAuth = oauth2Connection({
  key: 'publicOAuth',
  display: { label: 'Public OAuth client', description: 'Authorization code with PKCE, no client secret' },
  oauth2Type: OAuth2Type.AuthorizationCode,
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  inputs: {
    issuer: { label: 'Issuer', type: 'string', required: true },
    authorizeUrl: {
      label: 'Authorize URL',
      type: 'template',
      templateValue: '{{#issuer}}/auth',
    },
    tokenUrl: { label: 'Token URL', type: 'template', templateValue: '{{#issuer}}/token' },
    scopes: { label: 'Scopes', type: 'string', required: false, default: 'openid offline_access api:read' },
    clientId: { label: 'Client id', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: false, shown: false, default: '' },
    headers,
  },
});

const serviceAccount = oauth2Connection({
  key: 'serviceAccount',
  display: { label: 'Service account', description: 'Client credentials' },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    tokenUrl: { label: 'Token URL', type: 'string', required: true },
    scopes: { label: 'Scopes', type: 'string', required: false, default: '' },
    clientId: { label: 'Client id', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: true },
    headers,
    tags: { label: 'Tags', type: 'string', collection: 'valuelist', required: false },
    sandboxMode: { label: 'Sandbox mode', type: 'boolean', required: false },
  },
});

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

/** Reports the connection value exactly as `perform` received it. */
const inspect = action({
  display: { label: 'Inspect', description: 'Reports the connection it received' },
  inputs: { connection: connectionInput },
  perform: async (context, { connection }) =>
    Promise.resolve({
      data: {
        configVars: context.configVars,
        key: connection.key,
        configVarKey: connection.configVarKey,
        fields: connection.fields,
        token: connection.token ?? null,
        context: connection.context ?? null,
      },
    }),
});

/** One input of every single-valued type that has a platform default, in every collection, all unset. */
const TYPES = ['string', 'data', 'text', 'password', 'boolean', 'code', 'date', 'timestamp'] as const;
const everyInput: Record<string, ReturnType<typeof input>> = {};
for (const type of TYPES) {
  const base = { label: type, type, required: false, ...(type === 'code' ? { language: 'json' } : {}) };
  everyInput[type] = input(base as never);
  everyInput[`${type}List`] = input({ ...base, collection: 'valuelist' } as never);
  everyInput[`${type}Pairs`] = input({ ...base, collection: 'keyvaluelist' } as never);
}
everyInput.objectSelection = input({ label: 'Object selection', type: 'objectSelection', required: false });
everyInput.jsonForm = input({ label: 'JSON form', type: 'jsonForm', required: false } as never);
everyInput.conditional = input({
  label: 'Conditional',
  type: 'conditional',
  collection: 'valuelist',
  required: false,
});

/** Reports every input's value and its JavaScript type, as `perform` received them. */
const echoInputs = action({
  display: { label: 'Echo inputs', description: 'Reports each input value and its type' },
  inputs: everyInput,
  perform: async (_context, params) => {
    const report: Record<string, { value: unknown; kind: string }> = {};
    for (const [key, value] of Object.entries(params)) {
      report[key] = { value, kind: Array.isArray(value) ? 'array' : typeof value };
    }
    return Promise.resolve({ data: report });
  },
});

export default component({
  key: 'platformCompat',
  public: false,
  display: {
    label: 'Platform compatibility',
    description: 'Reports what the platform gives a component',
    iconPath: 'icon.png',
  },
  connections: [publicOAuth, serviceAccount],
  actions: { inspect, echoInputs },
});
