/**
 * The connect page and its flows over HTTP (fastify inject), against the real runtime, a SQLite store and the
 * sandbox authorization server. Security cases check the status, the stable code and that nothing changed.
 */
import { followAuthorization } from '../../src/sandbox';
import { ALLOWED_ORIGIN, POPUP_ORIGIN, cookieFrom, csrfFrom, startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;

const METRICS_TOKEN = 'metrics-token-0123456789';

beforeAll(async () => {
  h = await startHarness({ config: { metricsToken: METRICS_TOKEN } });
});
afterAll(async () => {
  await h.close();
});

interface Browser {
  cookie: string;
  csrf: string;
  page: string;
}

async function openPage(path: string, cookie?: string): Promise<Browser> {
  const res = await h.inject({ method: 'GET', url: path, headers: cookie ? { cookie } : {} });
  expect(res.statusCode).toBe(200);
  const jar = cookie ?? cookieFrom(res.headers['set-cookie']);
  return { cookie: jar, csrf: csrfFrom(res.body), page: res.body };
}

async function post(path: string, browser: { cookie?: string }, form: Record<string, string>) {
  return h.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(browser.cookie ? { cookie: browser.cookie } : {}),
    },
    payload: new URLSearchParams(form).toString(),
  });
}

/** Starts a code flow for `connectionId` and returns the provider's callback URL (not yet delivered). */
async function startCodeFlow(link: string, connectionId: string, browser: Browser): Promise<string> {
  const res = await post(`${link}/c/${connectionId}/authorize`, browser, { _csrf: browser.csrf });
  expect(res.statusCode).toBe(303);
  const location = String(res.headers.location);
  expect(location.startsWith(h.sandbox.url)).toBe(true);
  return followAuthorization(location, { redirectUri: `${h.baseUrl}/oauth/callback` });
}

async function deliver(callbackUrl: string, cookie?: string) {
  const url = new URL(callbackUrl);
  return h.inject({ method: 'GET', url: `${url.pathname}${url.search}`, headers: cookie ? { cookie } : {} });
}

async function resetCrm(instanceId: string): Promise<string> {
  const crm = await h.connection(instanceId, 'crm');
  await h.store.updateConnection(crm.id, {
    tokenSet: null,
    status: 'pending',
    scopes: [],
    connectedAt: null,
  });
  return crm.id;
}

describe('the connect page', () => {
  it('says who is asking and lists each connection with provider, plain-words scopes and status', async () => {
    const { page } = await openPage(h.linkPath(h.instanceA));
    expect(page).toContain('Acme Platform');
    expect(page).toContain('Acme &lt;CRM&gt; sync wants to connect');
    expect(page).toContain('Read your demo profile');
    expect(page).toContain('(api:read)');
    expect(page.match(/data-status="pending"/g)?.length).toBe(3);
    expect(page).toContain('Client secret');
  });

  it('escapes HTML in instance names instead of rendering it', async () => {
    const { page } = await openPage(h.linkPath(h.instanceA));
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('Production &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('sets an HttpOnly SameSite=Lax browser cookie and a nonce-based CSP that forbids other scripts', async () => {
    const res = await h.inject({ method: 'GET', url: h.linkPath(h.instanceA) });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(String(res.headers['content-security-policy'])).toMatch(/script-src 'nonce-[^']+'/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('shows only the connections a limited link covers', async () => {
    const crm = await h.connection(h.instanceA, 'crm');
    const { page } = await openPage(h.linkPath(h.instanceA, { connectionIds: [crm.id] }));
    expect(page.match(/data-connection=/g)?.length).toBe(1);
  });
});

describe('authorization code + PKCE through /oauth/callback', () => {
  it('connects, stores tokens and returns to the page showing the connection as connected', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const callback = await startCodeFlow(link, crmId, browser);
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();
    const res = await deliver(callback, browser.cookie);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${link}?notice=connected`);
    const stored = await h.store.getConnection(crmId);
    expect(stored?.status).toBe('connected');
    expect(typeof stored?.tokenSet?.['accessToken']).toBe('string');
    const { page } = await openPage(`${link}?notice=connected`, browser.cookie);
    expect(page).toMatch(/data-status="connected"/);
    expect(page).toContain('Granted:');
  });

  it('rejects a callback whose state was already used, and changes nothing', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const callback = await startCodeFlow(link, crmId, browser);
    expect((await deliver(callback, browser.cookie)).statusCode).toBe(303);
    const before = await h.store.getConnection(crmId);
    const replay = await deliver(callback, browser.cookie);
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('KW_AUTH_SESSION_CONSUMED');
    expect((await h.store.getConnection(crmId))?.version).toBe(before?.version);
  });

  it('rejects a forged state', async () => {
    const crmId = await resetCrm(h.instanceA);
    const browser = await openPage(h.linkPath(h.instanceA));
    const res = await deliver(
      `${h.baseUrl}/oauth/callback?code=abc&state=forged-state-value`,
      browser.cookie,
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('KW_AUTH_SESSION_NOT_FOUND');
    expect((await h.store.getConnection(crmId))?.status).toBe('pending');
  });

  it('rejects a state that expired (ten-minute lifetime)', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const callback = await startCodeFlow(link, crmId, browser);
    h.advance(11 * 60_000);
    try {
      const res = await deliver(callback, browser.cookie);
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('KW_AUTH_SESSION_EXPIRED');
      expect((await h.store.getConnection(crmId))?.status).toBe('pending');
    } finally {
      h.advance(-11 * 60_000);
    }
  });

  it('rejects a state used from another browser (or with no cookie)', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const victim = await openPage(link);
    const attacker = await openPage(link);
    const callback = await startCodeFlow(link, crmId, victim);
    const other = await deliver(callback, attacker.cookie);
    expect(other.statusCode).toBe(400);
    expect(other.body).toContain('KW_AUTH_SESSION_BROWSER_MISMATCH');
    // The failure page must not lead the other browser to the victim's link.
    expect(other.body).not.toContain(link);
    const none = await deliver(callback);
    expect(none.statusCode).toBe(400);
    expect((await h.store.getConnection(crmId))?.status).toBe('pending');
  });

  it('shows access_denied as a clear page and changes nothing', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    h.sandbox.behaviour.denyConsent = true;
    let callback: string;
    try {
      callback = await startCodeFlow(link, crmId, browser);
    } finally {
      h.sandbox.behaviour.denyConsent = false;
    }
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const res = await deliver(callback, browser.cookie);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('<h1>Access was not granted</h1>');
    // Words for the customer; the protocol's code and Keyway's are for support, in small print only.
    const alert = /<div class="card notice bad" role="alert">\s*<p>([^<]*)<\/p>/.exec(res.body)?.[1] ?? '';
    expect(alert).toBe(
      'You chose not to allow access, so nothing was connected. You can connect again from your connections page whenever you are ready.',
    );
    expect(res.body).toContain('Error code: <code>KW_OAUTH_ACCESS_DENIED</code>');
    expect(res.body).toContain(`href="${link}"`);
    expect((await h.store.getConnection(crmId))?.status).toBe('pending');
  });

  it("escapes HTML and script in a provider's error_description", async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const res = await post(`${link}/c/${crmId}/authorize`, browser, { _csrf: browser.csrf });
    const state = new URL(String(res.headers.location)).searchParams.get('state') ?? '';
    const evil = '<script>alert("x")</script><img src=x onerror=alert(1)>';
    // oidc-provider promises iss in its metadata, and sends it with errors too (RFC 9207 §2).
    const query = new URLSearchParams({
      error: 'server_error',
      error_description: evil,
      state,
      iss: h.sandbox.issuer,
    });
    const page = await h.inject({
      method: 'GET',
      url: `/oauth/callback?${query.toString()}`,
      headers: { cookie: browser.cookie },
    });
    expect(page.statusCode).toBeGreaterThanOrEqual(400);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect((await h.store.getConnection(crmId))?.status).toBe('pending');
  });
});

describe('connect links', () => {
  it('refuses a link of instance A used against a connection of instance B', async () => {
    const crmB = await h.connection(h.instanceB, 'crm');
    const linkA = h.linkPath(h.instanceA);
    const browser = await openPage(linkA);
    const res = await post(`${linkA}/c/${crmB.id}/authorize`, browser, { _csrf: browser.csrf });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('KW_LINK_CONNECTION_NOT_ALLOWED');
    expect(res.headers.location).toBeUndefined();
    expect((await h.store.getConnection(crmB.id))?.version).toBe(crmB.version);
  });

  it('refuses a connection the link leaves out', async () => {
    const crm = await h.connection(h.instanceA, 'crm');
    const service = await h.connection(h.instanceA, 'service');
    const link = h.linkPath(h.instanceA, { connectionIds: [crm.id] });
    const browser = await openPage(link);
    const res = await post(`${link}/c/${service.id}/credentials`, browser, {
      _csrf: browser.csrf,
      clientId: 'x',
      clientSecret: 'y',
    });
    expect(res.statusCode).toBe(403);
    expect((await h.store.getConnection(service.id))?.version).toBe(service.version);
  });

  it('refuses a tampered link', async () => {
    const link = h.linkPath(h.instanceA);
    const token = link.slice('/connect/'.length);
    const [payload = '', mac = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    claims['iid'] = h.instanceB;
    const forged = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    for (const bad of [forged, `${payload}.${mac.slice(0, -2)}AA`, 'garbage', `${payload}`]) {
      const res = await h.inject({ method: 'GET', url: `/connect/${bad}` });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('KW_LINK_INVALID');
      expect(res.body).not.toContain('data-connection');
    }
  });

  it('refuses an expired link with 410', async () => {
    const link = h.linkPath(h.instanceA, { ttlMs: 60_000 });
    h.advance(61_000);
    try {
      const res = await h.inject({ method: 'GET', url: link });
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain('KW_LINK_EXPIRED');
    } finally {
      h.advance(-61_000);
    }
  });

  it('redirects to the link’s success URL with instance and connection ids', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA, { successUrl: `${ALLOWED_ORIGIN}/done?x=1` });
    const browser = await openPage(link);
    const res = await deliver(await startCodeFlow(link, crmId, browser), browser.cookie);
    expect(res.statusCode).toBe(303);
    const target = new URL(String(res.headers.location));
    expect(target.origin).toBe(ALLOWED_ORIGIN);
    expect(target.searchParams.get('x')).toBe('1');
    expect(target.searchParams.get('instance_id')).toBe(h.instanceA);
    expect(target.searchParams.get('connection_id')).toBe(crmId);
    expect(target.searchParams.get('keyway_status')).toBe('connected');
    expect(target.search).not.toMatch(/code=|token/);
  });

  it('in popup mode posts a message to the configured opener origin, never *', async () => {
    const crmId = await resetCrm(h.instanceA);
    const link = h.linkPath(h.instanceA, { popup: true });
    const browser = await openPage(link);
    const res = await deliver(await startCodeFlow(link, crmId, browser), browser.cookie);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`postMessage(`);
    expect(res.body).toContain(`"${POPUP_ORIGIN}"`);
    expect(res.body).not.toContain('"*"');
    expect(res.body).toContain(crmId);
  });
});

describe('client credentials, device flow and disconnect', () => {
  it('reports the provider error for wrong client credentials and keeps the connection as it was', async () => {
    const service = await h.connection(h.instanceA, 'service');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const res = await post(`${link}/c/${service.id}/credentials`, browser, {
      _csrf: browser.csrf,
      clientId: h.sandbox.clients.service.clientId,
      clientSecret: 'wrong-secret',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('KW_OAUTH_INVALID_CLIENT');
    expect(res.body).not.toContain('wrong-secret');
    const after = await h.store.getConnection(service.id);
    expect(after?.status).toBe('pending');
    expect(after?.secretFields).toEqual(service.secretFields);
  });

  it('fetches a client-credentials token right away', async () => {
    const service = await h.connection(h.instanceA, 'service');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const res = await post(`${link}/c/${service.id}/credentials`, browser, {
      _csrf: browser.csrf,
      clientId: h.sandbox.clients.service.clientId,
      clientSecret: h.sandbox.clients.service.clientSecret ?? '',
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${link}?notice=connected`);
    expect((await h.store.getConnection(service.id))?.status).toBe('connected');
  });

  it('shows the device user code, and finishes once the provider approves', async () => {
    const tv = await h.connection(h.instanceA, 'tv');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const started = await post(`${link}/c/${tv.id}/device`, browser, { _csrf: browser.csrf });
    expect(started.statusCode).toBe(303);
    const devicePath = String(started.headers.location);
    const pending = await h.inject({ method: 'GET', url: devicePath, headers: { cookie: browser.cookie } });
    expect(pending.statusCode).toBe(200);
    expect(pending.body).toMatch(/http-equiv="refresh"/);
    const userCode = /data-user-code="([^"]+)"/.exec(pending.body)?.[1] ?? '';
    expect(userCode).not.toBe('');
    await h.sandbox.approveDevice(userCode);
    h.advance(6_000);
    try {
      const done = await h.inject({ method: 'GET', url: devicePath, headers: { cookie: browser.cookie } });
      expect(done.statusCode).toBe(303);
      expect(done.headers.location).toBe(`${link}?notice=connected`);
    } finally {
      h.advance(-6_000);
    }
    expect((await h.store.getConnection(tv.id))?.status).toBe('connected');
  });

  it('never shows success when the approved device tokens cannot be saved, and then asks to start again', async () => {
    // Regression: the session was marked approved before the tokens were saved, so after a failed save the
    // page reloaded into "connected" although nothing was.
    const tv = await h.connection(h.instanceA, 'tv');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const started = await post(`${link}/c/${tv.id}/device`, browser, { _csrf: browser.csrf });
    const devicePath = String(started.headers.location);
    const page = await h.inject({ method: 'GET', url: devicePath, headers: { cookie: browser.cookie } });
    const userCode = /data-user-code="([^"]+)"/.exec(page.body)?.[1] ?? '';
    expect(userCode).not.toBe('');
    await h.sandbox.approveDevice(userCode);
    const before = await h.store.getConnection(tv.id);
    await h.rawExec(
      `create trigger kw_test_fail_save before update on connections when old.id = '${tv.id}'
         begin select raise(abort, 'injected failure'); end;`,
    );
    h.advance(6_000);
    try {
      const failed = await h.inject({ method: 'GET', url: devicePath, headers: { cookie: browser.cookie } });
      expect(failed.statusCode).toBe(500);
      expect(failed.body).toContain('KW_STORE_WRITE_FAILED');
      expect(failed.body).not.toContain('injected failure');
      expect(failed.headers.location).toBeUndefined();
      await h.rawExec('drop trigger kw_test_fail_save;');
      h.advance(6_000);
      const again = await h.inject({ method: 'GET', url: devicePath, headers: { cookie: browser.cookie } });
      expect(again.statusCode).toBe(409);
      expect(again.body).toContain('KW_DEVICE_SESSION_FAILED');
      expect(again.body).toContain('start again');
      expect(again.headers.location).toBeUndefined();
    } finally {
      await h.rawExec('drop trigger if exists kw_test_fail_save;');
      h.advance(-12_000);
    }
    expect(await h.store.getConnection(tv.id)).toEqual(before);
  });

  it('refuses a disconnect without a CSRF token, or with another browser’s token', async () => {
    const service = await h.connection(h.instanceA, 'service');
    expect(service.status).toBe('connected');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const other = await openPage(link);
    const missing = await post(`${link}/c/${service.id}/disconnect`, browser, {});
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('KW_CSRF_INVALID');
    const crossed = await post(`${link}/c/${service.id}/disconnect`, browser, { _csrf: other.csrf });
    expect(crossed.statusCode).toBe(403);
    const noCookie = await post(`${link}/c/${service.id}/disconnect`, {}, { _csrf: browser.csrf });
    expect(noCookie.statusCode).toBe(403);
    expect((await h.store.getConnection(service.id))?.status).toBe('connected');
  });

  it('disconnects with a valid CSRF token: tokens deleted', async () => {
    const service = await h.connection(h.instanceA, 'service');
    const link = h.linkPath(h.instanceA);
    const browser = await openPage(link);
    const res = await post(`${link}/c/${service.id}/disconnect`, browser, { _csrf: browser.csrf });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`${link}?notice=disconnected`);
    const after = await h.store.getConnection(service.id);
    expect(after?.status).toBe('disconnected');
    expect(after?.tokenSet).toBeNull();
    // Again: nothing was stored, and the page says so rather than claiming a revocation.
    const again = await post(`${link}/c/${service.id}/disconnect`, browser, { _csrf: browser.csrf });
    expect(again.headers.location).toBe(`${link}?notice=disconnected_no_tokens`);
    const page = await h.inject({
      method: 'GET',
      url: `${link}?notice=disconnected_no_tokens`,
      headers: { cookie: browser.cookie },
    });
    expect(page.body).toContain('There were no stored tokens to revoke.');
    expect(page.body).not.toContain('was revoked');
  });
});

describe('operations endpoints', () => {
  it('answers health, readiness and Prometheus metrics with connect-flow counters', async () => {
    expect((await h.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
    const metrics = await h.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(metrics.body).toMatch(
      /keyway_connect_flows_total\{grant="authorization_code",outcome="connected"\} [1-9]/,
    );
    expect(metrics.body).toContain('# TYPE keyway_token_refreshes_total counter');
  });
});
