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
    { access_token: accessToken, token_type: 'user' },
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

  it('answers auth.test for a valid user token', async () => {
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
    expect(channels.map((c) => c.name)).toEqual(['general', 'random']);
  });

  it('posts a message as the connected user', async () => {
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
