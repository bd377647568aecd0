import { testing } from '@prismatic-io/spectral';
import { resolveConnection } from '../../../connections';
import {
  connectionValue,
  loadBuiltComponent,
  type BuiltComponent,
} from '../../../test/support/built-components';
import { startSlackFake, type SlackFake } from '../../../test/support/vendors/slack';

let fake: SlackFake;
let built: BuiltComponent;

beforeAll(async () => {
  fake = await startSlackFake();
  built = loadBuiltComponent('slack');
});
afterAll(() => fake.close());

function connectionFor(accessToken: string) {
  return connectionValue(
    built,
    'slackOAuth',
    { apiBaseUrl: fake.urls.apiBaseUrl },
    { access_token: accessToken, token_type: 'bot' },
  );
}

/** What oauth.v2.access returns for an install with bot and user scopes: bot on top, user under authed_user. */
function installation(botToken: string, userToken: string, tokenType?: string) {
  return connectionValue(
    built,
    'slackOAuth',
    { apiBaseUrl: fake.urls.apiBaseUrl, ...(tokenType !== undefined ? { tokenType } : {}) },
    {
      ok: true,
      access_token: botToken,
      token_type: 'bot',
      authed_user: { id: 'U0HUMAN', access_token: userToken, token_type: 'user' },
    },
  );
}

describe('Slack component bundle', () => {
  it('loads from dist with comma scopes, user_scope and the authed_user token path', () => {
    expect(built.key).toBe('slack');
    expect(Object.keys(built.actions).sort()).toEqual(['authTest', 'listChannels', 'postMessage']);
    const resolved = resolveConnection(built.connections[0], { clientId: 'a', clientSecret: 'b' });
    expect(resolved).toMatchObject({
      grantType: 'authorization_code',
      scopeSeparator: ',',
      scopeParam: 'user_scope',
      tokenUrl: 'https://slack.com/api/oauth.v2.access',
    });
    expect(resolved.tokenResponse).toMatchObject({
      tokenPath: 'authed_user',
      errorInOkBody: { okField: 'ok', errorField: 'error' },
    });
  });

  it('offers "Act as" (tokenType) on the connection, shown, bot by default', () => {
    const inputs = built.connections[0]?.inputs ?? [];
    expect(inputs.find((input) => input.key === 'tokenType')).toMatchObject({
      type: 'string',
      shown: true,
      default: 'bot',
    });
    // Bot scopes in `scope`, user scopes in `user_scope`: one install yields both tokens.
    const resolved = resolveConnection(built.connections[0], { clientId: 'a', clientSecret: 'b' });
    expect(resolved.extraAuthorizeParams).toEqual({ scope: 'chat:write,channels:read' });
    expect(resolved.fields['tokenType']).toBe('bot');
  });

  it('sends the top-level bot token by default and the authed_user token when tokenType is user', async () => {
    fake.book.addAccessToken('xoxb-bot-1', { user: 'U0BOT' });
    fake.book.addAccessToken('xoxp-user-1', { user: 'U0HUMAN' });
    const asBot = await testing.invoke(built.actions.authTest as never, {
      connection: installation('xoxb-bot-1', 'xoxp-user-1'),
    });
    expect(asBot.result).toEqual({ data: expect.objectContaining({ user_id: 'U0BOT' }) });
    const asUser = await testing.invoke(built.actions.postMessage as never, {
      connection: installation('xoxb-bot-1', 'xoxp-user-1', 'user'),
      channel: 'C061EG9T2',
      text: 'as a person',
    });
    expect(asUser.result).toEqual({ data: expect.objectContaining({ ok: true }) });
    expect(fake.messages.get('C061EG9T2')?.at(-1)).toMatchObject({ text: 'as a person', user: 'U0HUMAN' });
  });

  it('refuses with a connection error when the chosen token is not in the installation', async () => {
    const userOnly = connectionValue(
      built,
      'slackOAuth',
      { apiBaseUrl: fake.urls.apiBaseUrl },
      { ok: true, authed_user: { id: 'U0HUMAN', access_token: 'xoxp-only', token_type: 'user' } },
    );
    await expect(
      testing.invoke(built.actions.authTest as never, { connection: userOnly }),
    ).rejects.toMatchObject({ isSpectralError: true, message: expect.stringContaining('no bot token') });
    const botOnly = connectionValue(
      built,
      'slackOAuth',
      { apiBaseUrl: fake.urls.apiBaseUrl, tokenType: 'user' },
      { ok: true, access_token: 'xoxb-only', token_type: 'bot', authed_user: { id: 'U0HUMAN' } },
    );
    await expect(
      testing.invoke(built.actions.authTest as never, { connection: botOnly }),
    ).rejects.toMatchObject({ isSpectralError: true, message: expect.stringContaining('no user token') });
    const typo = installation('xoxb-x', 'xoxp-x', 'robot');
    await expect(testing.invoke(built.actions.authTest as never, { connection: typo })).rejects.toMatchObject(
      {
        isSpectralError: true,
        message: expect.stringContaining('bot or user'),
      },
    );
  });

  it('answers auth.test for a valid token', async () => {
    fake.book.addAccessToken('xoxp-valid-1', { user: 'U061F7AUR' });
    const { result } = await testing.invoke(built.actions.authTest as never, {
      connection: connectionFor('xoxp-valid-1'),
    });
    expect(result).toEqual({ data: expect.objectContaining({ ok: true, user_id: 'U061F7AUR' }) });
  });

  it('lists public channels', async () => {
    fake.book.addAccessToken('xoxp-valid-2');
    const { result } = await testing.invoke(built.actions.listChannels as never, {
      connection: connectionFor('xoxp-valid-2'),
    });
    const channels = (result as { data: { channels: Array<{ name: string }> } }).data.channels;
    // The archived #old-project and the private #leadership are not public, unarchived channels.
    expect(channels.map((c) => c.name)).toEqual(['general', 'random', 'announcements']);
  });

  it('offers every unarchived channel as a picklist, following the cursor across pages', async () => {
    const paging = await startSlackFake({ maxPageSize: 2 });
    try {
      paging.book.addAccessToken('xoxb-pages-1');
      const channels = built.dataSources?.channels;
      expect(channels?.dataSourceType).toBe('picklist');
      const connection = connectionValue(
        built,
        'slackOAuth',
        { apiBaseUrl: paging.urls.apiBaseUrl },
        { access_token: 'xoxb-pages-1', token_type: 'bot' },
      );
      const { result } = await testing.invokeDataSource(channels as never, {
        connection,
        types: 'public_channel,private_channel',
      });
      expect(result).toEqual([
        { key: 'C012AB3CD', label: '#general' },
        { key: 'C061EG9T2', label: '#random' },
        { key: 'C07ANNOUNCE', label: '#announcements' },
        { key: 'G0PRIVATE1', label: '#leadership' },
      ]);
      expect(paging.requests.filter((r) => r.path === '/api/conversations.list')).toHaveLength(2);
    } finally {
      await paging.close();
    }
  });

  it('posts a message with the token of the connection', async () => {
    fake.book.addAccessToken('xoxp-valid-3', { user: 'U0POSTER' });
    const { result } = await testing.invoke(built.actions.postMessage as never, {
      connection: connectionFor('xoxp-valid-3'),
      channel: 'C012AB3CD',
      text: 'Hello from Keyway',
    });
    expect(result).toEqual({ data: expect.objectContaining({ ok: true, channel: 'C012AB3CD' }) });
    expect(fake.messages.get('C012AB3CD')).toEqual([
      expect.objectContaining({ text: 'Hello from Keyway', user: 'U0POSTER' }),
    ]);
  });

  it('turns Slack errors inside a 200 body into thrown errors, without a 401 for non-token errors', async () => {
    fake.book.addAccessToken('xoxp-valid-4');
    const failure = testing.invoke(built.actions.postMessage as never, {
      connection: connectionFor('xoxp-valid-4'),
      channel: 'C_NOPE',
      text: 'hi',
    });
    await expect(failure).rejects.toMatchObject({ error: 'channel_not_found', status: undefined });
  });

  it('reports a revoked token as token_revoked with status 401, so a runtime refreshes and retries', async () => {
    fake.book.addAccessToken('xoxp-revoked');
    fake.book.revokeGrantOf('xoxp-revoked');
    await expect(
      testing.invoke(built.actions.authTest as never, { connection: connectionFor('xoxp-revoked') }),
    ).rejects.toMatchObject({ name: 'SlackApiError', error: 'token_revoked', status: 401 });
  });
});
