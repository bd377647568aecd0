/**
 * Log redaction of tokens a provider nests inside its token response (Slack's user token and its refresh token
 * under `authed_user`): whatever an action logs, the run's log and the `onLog` stream never carry them.
 */
import { ComponentRegistry, CredentialManager, createInstance, runAction } from '../../src/runtime';
import type { ActionLogEntry } from '../../src/runtime';
import type { Store } from '../../src/store';
import { writeBundle } from '../support/components/build';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';

const BOT_TOKEN = 'xoxb-top-level-bot-token-0001';
const USER_TOKEN = 'xoxp-nested-user-token-0002';
const USER_REFRESH = 'xoxe-1-nested-user-refresh-0003';
const DEEP_ID_TOKEN = 'eyJ.deeply-nested-id-token.0004';

// A plain spectral wire-format bundle whose action logs every token it was given, in text and as an object.
const source = `
const connection = { key: 'connection', label: 'Connection', type: 'connection', required: true };
module.exports.default = {
  key: 'nested', display: { label: 'Nested', description: 'Logs its tokens' },
  triggers: {}, dataSources: {},
  actions: {
    logTokens: {
      key: 'logTokens', display: { label: 'Log tokens', description: 'd' }, inputs: [connection],
      perform: async (context, params) => {
        const token = params.connection.token;
        context.logger.info('user token ' + token.authed_user.access_token);
        context.logger.warn('refresh with ' + token.authed_user.refresh_token + ' bot ' + token.access_token);
        context.logger.error('whole answer', JSON.stringify(token));
        context.logger.debug(token.extra.deeper.id_token);
        return { data: token.authed_user.access_token.length };
      },
    },
  },
  connections: [{
    key: 'nestedOAuth', label: 'Nested', oauth2Type: 'authorization_code',
    inputs: [
      { key: 'authorizeUrl', label: 'Authorize URL', type: 'string', shown: false, default: 'https://nested.invalid/authorize' },
      { key: 'tokenUrl', label: 'Token URL', type: 'string', shown: false, default: 'https://nested.invalid/token' },
      { key: 'scopes', label: 'Scopes', type: 'string', default: '' },
      { key: 'clientId', label: 'Client ID', type: 'string', required: true },
      { key: 'clientSecret', label: 'Client secret', type: 'password', required: true },
      { key: 'keywayTokenResponse', label: 'Quirks', type: 'text', shown: false,
        default: JSON.stringify({ tokenPath: 'authed_user', keepFields: [], errorCodes: {} }) },
    ],
  }],
};`;

let testStore: TestStore;
let store: Store;
let components: ComponentRegistry;

beforeAll(async () => {
  testStore = await openSqliteTestStore();
  store = testStore.store;
  components = new ComponentRegistry({ store });
  components.loadFromPath(writeBundle(source));
});
afterAll(async () => {
  await testStore.close();
});

it('redacts a user token and refresh token nested under authed_user, and token fields at any depth', async () => {
  const customerId = (await store.createCustomer({ name: 'Nested Co' })).id;
  const { instance } = await createInstance(
    { store, components },
    { customerId, name: 'nested', components: ['nested'] },
  );
  const connection = await store.createConnection({
    instanceId: instance.id,
    name: 'workspace',
    componentKey: 'nested',
    definitionKey: 'nestedOAuth',
    grantType: 'authorization_code',
    fields: {},
    secretFields: { clientId: 'nested-client', clientSecret: 'nested-secret-value' },
  });
  // The shape of Slack's oauth.v2.access answer: bot token on top, user token (tracked) under authed_user.
  await store.updateConnection(connection.id, {
    status: 'connected',
    tokenSet: {
      accessToken: USER_TOKEN,
      tokenType: 'user',
      refreshToken: USER_REFRESH,
      raw: {
        ok: true,
        access_token: BOT_TOKEN,
        token_type: 'bot',
        authed_user: { id: 'U1', access_token: USER_TOKEN, refresh_token: USER_REFRESH, token_type: 'user' },
        extra: { deeper: { id_token: DEEP_ID_TOKEN } },
      },
    },
  });
  const streamed: ActionLogEntry[] = [];
  const { result, logs, executionId } = await runAction(
    {
      store,
      components,
      credentials: new CredentialManager({ store, components }),
      onLog: (entry) => streamed.push(entry),
    },
    { instanceId: instance.id, componentKey: 'nested', actionKey: 'logTokens' },
  );
  // The action really had the nested token (so the log lines did contain it before redaction).
  expect(result).toEqual({ data: USER_TOKEN.length });
  expect(logs).toHaveLength(4);
  const execution = await store.getExecution(executionId);
  for (const text of [JSON.stringify(logs), JSON.stringify(streamed), JSON.stringify(execution?.log)]) {
    for (const secret of [BOT_TOKEN, USER_TOKEN, USER_REFRESH, DEEP_ID_TOKEN])
      expect(text).not.toContain(secret);
  }
  expect(logs[0]?.message).toMatch(/^user token \S+/);
  expect(logs[2]?.message).toContain('"id":"U1"');
});
