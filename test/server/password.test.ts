/**
 * The password grant through the real connect page: the form, the sandbox's resource owner password grant
 * (oidc-provider, real HTTP), the encrypted SQLite store, then an action run through the REST API with the
 * stored token, and a refresh afterwards.
 */
import { SANDBOX_LOGIN } from '../../src/sandbox';
import type { Connection } from '../../src/store';
import { addPasswordInstance, cookieFrom, csrfFrom, startHarness } from './harness';
import type { Harness, PasswordInstance } from './harness';

let h: Harness;
let p: PasswordInstance;
let apiKey: string;

beforeAll(async () => {
  h = await startHarness();
  p = await addPasswordInstance(h);
  apiKey = (await h.store.createApiKey({ name: 'runner', scopes: ['actions:write'] })).key;
});
afterAll(async () => {
  await h.close();
});

interface Browser {
  cookie: string;
  csrf: string;
  page: string;
}

async function openPage(path: string): Promise<Browser> {
  const res = await h.inject({ method: 'GET', url: path });
  expect(res.statusCode).toBe(200);
  return { cookie: cookieFrom(res.headers['set-cookie']), csrf: csrfFrom(res.body), page: res.body };
}

async function submit(link: string, connectionId: string, browser: Browser, form: Record<string, string>) {
  return h.inject({
    method: 'POST',
    url: `${link}/c/${connectionId}/credentials`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie },
    payload: new URLSearchParams({ _csrf: browser.csrf, ...form }).toString(),
  });
}

async function runGetMe() {
  return h.inject({
    method: 'POST',
    url: `/api/instances/${p.instanceId}/actions/${p.componentKey}/getMe`,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    payload: '{}',
  });
}

/** What a failed attempt must leave exactly as it was. */
function snapshot(c: Connection) {
  return {
    status: c.status,
    version: c.version,
    tokenSet: c.tokenSet,
    fields: c.fields,
    secretFields: c.secretFields,
    connectedAt: c.connectedAt,
  };
}

describe('password connections on the connect page', () => {
  it('shows a form asking for the username and a masked password, with nothing filled in', async () => {
    const account = await h.connection(p.instanceId, p.connectionName);
    const link = h.linkPath(p.instanceId);
    const { page } = await openPage(link);
    expect(page).toContain('Username and password');
    expect(page).toContain(`action="${link}/c/${account.id}/credentials"`);
    expect(page).toMatch(/name="username"\s+type="text"/);
    expect(page).toMatch(/name="password"\s+type="password"/);
    expect(page).not.toMatch(/name="password"[^>]*value=/);
  });

  it("shows the provider's error for a wrong password, changes nothing and never echoes the password", async () => {
    const wrong = 'Wr0ng-Pa55word-<b>';
    const account = await h.connection(p.instanceId, p.connectionName);
    const link = h.linkPath(p.instanceId);
    const browser = await openPage(link);
    h.sandbox.resetCounts();

    const res = await submit(link, account.id, browser, {
      username: SANDBOX_LOGIN.username,
      password: wrong,
    });

    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('KW_OAUTH_INVALID_GRANT');
    expect(res.body).toContain('The provider said: The username or password is not correct.');
    expect(res.body).not.toContain(wrong);
    expect(res.body).not.toContain(encodeURIComponent(wrong));
    expect(res.body).not.toContain('Wr0ng-Pa55word-&lt;b&gt;');
    // It did reach the provider, once: the error on the page is the provider's answer.
    expect(h.sandbox.tokenRequests()).toEqual({ password: 1 });
    const after = await h.connection(p.instanceId, p.connectionName);
    expect(snapshot(after)).toEqual(snapshot(account));
    expect(after.status).toBe('pending');
    expect(after.tokenSet).toBeNull();
  });

  it('refuses an empty password before asking the provider', async () => {
    const account = await h.connection(p.instanceId, p.connectionName);
    const link = h.linkPath(p.instanceId);
    const browser = await openPage(link);
    h.sandbox.resetCounts();
    const res = await submit(link, account.id, browser, { username: SANDBOX_LOGIN.username, password: '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('KW_REQUEST_INVALID');
    expect(h.sandbox.tokenRequests()).toEqual({});
    expect(snapshot(await h.connection(p.instanceId, p.connectionName))).toEqual(snapshot(account));
  });

  it('connects with the right password, stores the token set, then runs an action with it', async () => {
    const account = await h.connection(p.instanceId, p.connectionName);
    const link = h.linkPath(p.instanceId);
    const browser = await openPage(link);
    h.sandbox.resetCounts();

    const res = await submit(link, account.id, browser, SANDBOX_LOGIN);

    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${link}?notice=connected`);
    expect(h.sandbox.tokenRequests()).toEqual({ password: 1 });
    const connected = await h.connection(p.instanceId, p.connectionName);
    expect(connected.status).toBe('connected');
    expect(connected.tokenSet).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      tokenType: 'bearer',
      scope: ['openid', 'offline_access', 'api:read'],
    });
    expect(connected.fields).toMatchObject({ username: SANDBOX_LOGIN.username });
    // Only the encrypted secret fields may hold the password; the readable fields never do.
    expect(JSON.stringify(connected.fields)).not.toContain(SANDBOX_LOGIN.password);

    const shown = await h.inject({
      method: 'GET',
      url: `${link}?notice=connected`,
      headers: { cookie: browser.cookie },
    });
    expect(shown.body).toContain('data-status="connected"');
    expect(shown.body).not.toContain(SANDBOX_LOGIN.password);

    const run = await runGetMe();
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({
      result: {
        data: { sub: 'sandbox-user', client_id: 'keyway-password', scope: 'openid offline_access api:read' },
      },
    });
    // The action used the stored token: no new sign-in, no refresh.
    expect(h.sandbox.tokenRequests()).toEqual({ password: 1 });
  });

  it('refreshes with the refresh token alone once the access token is due, and the action keeps working', async () => {
    const before = await h.connection(p.instanceId, p.connectionName);
    const oldAccess = (before.tokenSet as { accessToken: string }).accessToken;
    h.sandbox.resetCounts();
    // Past the sandbox's 300 s access-token lifetime on Keyway's clock: the next run must refresh first.
    h.advance(10 * 60_000);
    try {
      const run = await runGetMe();
      expect(run.statusCode).toBe(200);
      expect(run.json()).toMatchObject({
        result: { data: { sub: 'sandbox-user', client_id: 'keyway-password' } },
      });
    } finally {
      h.advance(-10 * 60_000);
    }
    // One refresh_token request and no password grant: the password is not needed to stay connected.
    expect(h.sandbox.tokenRequests()).toEqual({ refresh_token: 1 });
    const after = await h.connection(p.instanceId, p.connectionName);
    expect(after.status).toBe('connected');
    expect((after.tokenSet as { accessToken: string }).accessToken).not.toBe(oldAccess);
    expect((after.tokenSet as { refreshToken: string }).refreshToken).not.toBe(
      (before.tokenSet as { refreshToken: string }).refreshToken,
    );
  });
});
