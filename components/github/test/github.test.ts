import { testing } from '@prismatic-io/spectral';
import { github, resolveConnection } from '../../../connections';
import {
  connectionValue,
  loadBuiltComponent,
  type BuiltComponent,
} from '../../../test/support/built-components';
import { startGitHubFake, type GitHubFake } from '../../../test/support/vendors/github';

let fake: GitHubFake;
let built: BuiltComponent;

beforeAll(async () => {
  fake = await startGitHubFake();
  built = loadBuiltComponent('github');
});
afterAll(() => fake.close());

function connectionFor(accessToken: string) {
  return connectionValue(
    built,
    'githubOAuth',
    { apiBaseUrl: fake.urls.apiBaseUrl },
    { access_token: accessToken, token_type: 'bearer' },
  );
}

describe('GitHub component bundle', () => {
  it('loads from dist with the spectral shape: key, actions with perform, oauth2 and device connections', () => {
    expect(built.key).toBe('github');
    expect(Object.keys(built.actions).sort()).toEqual([
      'createIssue',
      'getAuthenticatedUser',
      'listRepositories',
    ]);
    for (const action of Object.values(built.actions)) expect(typeof action.perform).toBe('function');
    expect(built.connections.map((c) => [c.key, c.oauth2Type])).toEqual([
      ['githubOAuth', 'authorization_code'],
      ['githubDevice', undefined],
    ]);
    const device = resolveConnection(built.connections[1], { clientId: 'abc' });
    expect(device).toMatchObject({
      grantType: 'device_code',
      deviceAuthorizationUrl: github.deviceAuthorizationUrl,
    });
    expect(resolveConnection(built.connections[0], { clientId: 'a', clientSecret: 'b' }).tokenUrl).toBe(
      github.tokenUrl,
    );
  });

  it('keeps the real API base as the hidden default', () => {
    const input = built.connections[0]?.inputs.find((i) => i.key === 'apiBaseUrl');
    expect(input).toMatchObject({ default: 'https://api.github.com', shown: false });
  });

  it('gets the authenticated user with the connection token', async () => {
    const accessToken = 'gho_validtoken1';
    fake.book.addAccessToken(accessToken);
    const { result } = await testing.invoke(built.actions.getAuthenticatedUser as never, {
      connection: connectionFor(accessToken),
    });
    expect(result).toEqual({ data: expect.objectContaining({ login: 'octocat' }) });
    const last = fake.requests.at(-1);
    expect(last?.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(last?.headers['x-github-api-version']).toBe('2022-11-28');
  });

  it('lists repositories, passing per_page and sort', async () => {
    fake.book.addAccessToken('gho_validtoken2');
    const { result } = await testing.invoke(built.actions.listRepositories as never, {
      connection: connectionFor('gho_validtoken2'),
      perPage: '1',
      sort: 'updated',
    });
    expect((result as { data: unknown[] }).data).toHaveLength(1);
    expect(fake.requests.at(-1)?.query.get('sort')).toBe('updated');
  });

  it('creates an issue in the repository', async () => {
    fake.book.addAccessToken('gho_validtoken3');
    const { result } = await testing.invoke(built.actions.createIssue as never, {
      connection: connectionFor('gho_validtoken3'),
      owner: 'octocat',
      repo: 'Hello-World',
      title: 'Found a bug',
      body: 'Steps to reproduce',
    });
    expect(result).toEqual({
      data: expect.objectContaining({ number: 1, title: 'Found a bug', state: 'open' }),
    });
    expect(fake.issues.get('octocat/Hello-World')).toHaveLength(1);
  });

  it('fails with HTTP 401 "Bad credentials" once the grant is revoked', async () => {
    fake.book.addAccessToken('gho_revoked');
    fake.book.revokeGrantOf('gho_revoked');
    await expect(
      testing.invoke(built.actions.getAuthenticatedUser as never, {
        connection: connectionFor('gho_revoked'),
      }),
    ).rejects.toMatchObject({ response: { status: 401, data: { message: 'Bad credentials' } } });
  });

  it('reports a connection without a token as a spectral connection error', async () => {
    const value = connectionValue(built, 'githubOAuth', { apiBaseUrl: fake.urls.apiBaseUrl }, {});
    await expect(
      testing.invoke(built.actions.getAuthenticatedUser as never, { connection: value }),
    ).rejects.toMatchObject({
      isSpectralError: true,
    });
  });
});
