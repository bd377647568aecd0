/**
 * A test-only component written with plain spectral, exercising what the runtime must get right: defaults,
 * strings for primitives, template connection inputs, state mutated in place and returned, thrown strings and
 * objects, ConnectionError, and a 401 from an API (for the refresh-and-retry rule).
 *
 * Built by test/support/components/build.ts with esbuild into a self-contained CommonJS bundle, exactly like a
 * real component's dist/index.js.
 */
import axios from 'axios';
import {
  ConnectionError,
  OAuth2Type,
  action,
  component,
  connection,
  input,
  oauth2Connection,
  util,
} from '@prismatic-io/spectral';
import { defineProvider, sandbox, toSpectralConnection } from '../../../../connections';

const apiKeyConnection = connection({
  key: 'testkitApiKey',
  display: { label: 'Testkit API key', description: 'An API key' },
  inputs: {
    apiKey: { label: 'API key', type: 'password', required: true },
    region: { label: 'Region', type: 'string', required: true, default: 'eu' },
    endpoint: {
      label: 'Endpoint',
      type: 'template',
      templateValue: 'https://{{#region}}.testkit.example/v1',
    },
  },
});

const oauth = oauth2Connection({
  key: 'testkitOAuth',
  display: { label: 'Testkit OAuth', description: 'OAuth 2.0' },
  oauth2Type: OAuth2Type.AuthorizationCode,
  inputs: {
    authorizeUrl: {
      label: 'Authorize URL',
      type: 'string',
      required: true,
      shown: false,
      default: 'https://x/auth',
    },
    tokenUrl: {
      label: 'Token URL',
      type: 'string',
      required: true,
      shown: false,
      default: 'https://x/token',
    },
    scopes: { label: 'Scopes', type: 'string', required: false, default: '' },
    clientId: { label: 'Client id', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: true },
    apiBaseUrl: {
      label: 'API base URL',
      type: 'string',
      required: false,
      shown: false,
      default: 'http://127.0.0.1:9',
    },
  },
});

/** Keyway's convention for a grant spectral has no oauth2Type for: the device flow against the sandbox. */
const sandboxDevice = toSpectralConnection(sandbox, {
  grantType: 'device_code',
  key: 'testkitSandboxDevice',
});

/** A provider that still wants the password grant (RFC 6749 §4.3); tests point its URLs at a fake. */
const passwordProvider = defineProvider({
  key: 'testkitPasswordProvider',
  displayName: 'Password grant provider',
  docsUrl: 'https://www.rfc-editor.org/rfc/rfc6749#section-4.3',
  grantTypes: ['password'],
  tokenUrl: 'http://127.0.0.1:9/token',
  apiBaseUrl: 'http://127.0.0.1:9',
  clientAuthMethod: 'client_secret_post',
});
const passwordConnection = toSpectralConnection(passwordProvider, {
  grantType: 'password',
  key: 'testkitPassword',
});

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const describe = action({
  display: { label: 'Describe', description: 'Reports what it received' },
  inputs: {
    connection: connectionInput,
    message: input({ label: 'Message', type: 'string', required: true }),
    count: input({ label: 'Count', type: 'string', default: '3', clean: (v) => util.types.toNumber(v) }),
    raw: input({ label: 'Raw', type: 'string', default: 'unchanged' }),
    flag: input({ label: 'Flag', type: 'boolean', default: 'false', clean: (v) => util.types.toBool(v) }),
  },
  perform: async (context, params) => {
    const { connection: conn, message, count, raw, flag } = params;
    await Promise.resolve();
    return {
      data: {
        message,
        count,
        countType: typeof count,
        raw,
        rawType: typeof raw,
        flag,
        connection: {
          key: conn.key,
          configVarKey: conn.configVarKey,
          fields: conn.fields,
          hasToken: !!conn.token,
        },
        contextKeys: Object.keys(context).sort(),
        customer: context.customer,
        instance: context.instance,
        flow: context.flow,
        executionId: context.executionId,
        startedAt: context.startedAt,
      },
    };
  },
});

const counter = action({
  display: { label: 'Counter', description: 'Counts in every state scope' },
  inputs: { connection: connectionInput, fail: input({ label: 'Fail', type: 'boolean', default: 'false' }) },
  perform: async (context, params) => {
    await Promise.resolve();
    // In place, as many real components do.
    context.instanceState.count = Number(context.instanceState.count ?? 0) + 1;
    context.crossFlowState.hits = Number(context.crossFlowState.hits ?? 0) + 1;
    context.executionState.touched = true;
    if (util.types.toBool(params.fail)) throw new Error('failed after mutating state');
    // And by returning a state object, which replaces the scope.
    return {
      data: { count: context.instanceState.count },
      integrationState: { lastCount: context.instanceState.count },
    };
  },
});

const fail = action({
  display: { label: 'Fail', description: 'Throws what it is told to' },
  inputs: {
    connection: connectionInput,
    how: input({ label: 'How', type: 'string', required: true }),
  },
  perform: async (context, params) => {
    await Promise.resolve();
    const apiKey = String(params.connection.fields.apiKey);
    switch (params.how) {
      case 'string':
        // spectral itself throws strings (see its convertTemplateInput); components do too.
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw `plain string failure with key ${apiKey}`;
      case 'object':
        // eslint-disable-next-line @typescript-eslint/only-throw-error
        throw { error: 'object failure', code: 42 };
      case 'connection':
        throw new ConnectionError(params.connection, 'The API key was revoked');
      case 'log':
        context.logger.info('calling with key', apiKey, { headers: { Authorization: `Bearer ${apiKey}` } });
        context.logger.warn(`key=${apiKey}`);
        return { data: 'logged' };
      default:
        throw new Error(`unknown failure ${String(params.how)}`);
    }
  },
});

const whoami = action({
  display: { label: 'Who am I', description: 'Calls GET {apiBaseUrl}/whoami with the bearer token' },
  inputs: { connection: connectionInput },
  perform: async (context, params) => {
    const token = params.connection.token?.access_token;
    const base = String(params.connection.fields.apiBaseUrl);
    context.logger.info(`calling ${base}/whoami with ${String(token)}`);
    const response = await axios.get<unknown>(`${base}/whoami`, {
      headers: { Authorization: `Bearer ${String(token)}` },
    });
    return { data: response.data };
  },
});

export default component({
  key: 'testkit',
  public: false,
  display: { label: 'Testkit', description: 'Test-only component', iconPath: 'icon.png' },
  actions: { describe, counter, fail, whoami },
  connections: [apiKeyConnection, oauth, sandboxDevice, passwordConnection],
});
