/**
 * The server's pure parts: link signing, HTML escaping, CSRF tokens, completion-URL checks, URL redaction for
 * logs, and `keyway serve` configuration.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/cli/commands/serve';
import { resolveServeConfig } from '../../src/cli/serve-config';
import { storeConfigFromEnv } from '../../src/store';
import { openPostgresEngine } from '../../src/store/postgres';
import { isKeywayError } from '../../src/errors';
import {
  checkCompletionUrl,
  csrfToken,
  escapeHtml,
  html,
  loggableUrl,
  signConnectLink,
  verifyCsrfToken,
  verifyConnectLink,
} from '../../src/server';
import pino from 'pino';
import { pinoRedactPaths } from '../../src/redact';
import { renderDevicePage } from '../../src/server/pages/connect';

const secret = 'a-link-signing-secret-of-forty-characters!';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isKeywayError(error) ? error.code : 'not-a-keyway-error';
  }
}

describe('connect links', () => {
  it('round-trips the claims and refuses other secrets, edits and expiry', () => {
    const { token } = signConnectLink(
      { instanceId: 'inst-1', connectionIds: ['c1'], ttlMs: 1000 },
      { secret, now: 0 },
    );
    expect(verifyConnectLink(token, { secret, now: 999 })).toMatchObject({ iid: 'inst-1', cids: ['c1'] });
    expect(codeOf(() => verifyConnectLink(token, { secret: `${secret}x`, now: 0 }))).toBe('KW_LINK_INVALID');
    // Regression: replacing the last character with 'A' was sometimes no edit at all (it already was 'A', or
    // differed only in base64url padding bits), so tamper with a full-6-bit character inside the signature.
    const at = token.length - 5;
    const edited = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    expect(codeOf(() => verifyConnectLink(edited, { secret, now: 0 }))).toBe('KW_LINK_INVALID');
    expect(codeOf(() => verifyConnectLink(token, { secret, now: 1000 }))).toBe('KW_LINK_EXPIRED');
  });

  it('refuses a signing secret shorter than 32 characters', () => {
    expect(codeOf(() => signConnectLink({ instanceId: 'i', ttlMs: 1 }, { secret: 'short', now: 0 }))).toBe(
      'KW_CONFIG_INVALID',
    );
  });
});

describe('HTML escaping', () => {
  it('escapes every interpolated value, including attribute breakers', () => {
    const evil = `"><script>alert('x')</script>`;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain(`"><`);
    expect(escapeHtml(`a&b<c>"d'e\`f=g`)).toBe('a&amp;b&lt;c&gt;&quot;d&#39;e&#96;f&#61;g');
  });
});

describe('CSRF tokens', () => {
  it('accept only the token derived from the same browser id', () => {
    const token = csrfToken('browser-a', secret);
    expect(verifyCsrfToken('browser-a', token, secret)).toBe(true);
    expect(verifyCsrfToken('browser-b', token, secret)).toBe(false);
    expect(verifyCsrfToken(undefined, token, secret)).toBe(false);
    expect(verifyCsrfToken('browser-a', undefined, secret)).toBe(false);
  });
});

describe('completion URLs', () => {
  const allowed = ['https://app.example.com'];
  it.each([
    'https://app.example.com.evil.test/x',
    'https://evil.test/?https://app.example.com',
    '//app.example.com/x',
    'javascript:alert(1)//https://app.example.com',
    'https://user@app.example.com/x',
    'http://app.example.com/x',
  ])('refuses %s', (url) => {
    expect(codeOf(() => checkCompletionUrl(url, allowed))).toBe('KW_REDIRECT_NOT_ALLOWED');
  });

  it('accepts a URL on an allowed origin', () => {
    expect(checkCompletionUrl('https://app.example.com/done?a=1', allowed)).toBe(
      'https://app.example.com/done?a=1',
    );
  });
});

/** A pino logger with Keyway's redaction paths, writing into `lines`. */
function redactingLogger(): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: pino({ redact: { paths: [...pinoRedactPaths], censor: '[REDACTED]' } }, sink) };
}

describe('logging', () => {
  it('keeps authorization codes and link tokens out of logged URLs', () => {
    const url = loggableUrl('/oauth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz');
    expect(url).not.toContain('SplxlOBeZQQYbYS6WxSbIA');
    expect(loggableUrl('/connect/eyJ2IjoxfQ.c2lnbmF0dXJl/c/1/authorize')).toBe(
      '/connect/[link]/c/1/authorize',
    );
  });

  it('redacts tokens and authorization headers in pino output', () => {
    const { lines, logger } = redactingLogger();
    logger.info({ req: { headers: { authorization: 'Bearer abc.def' } }, access_token: 'tok-123456' }, 'x');
    expect(lines.join('')).not.toMatch(/abc\.def|tok-123456/);
    expect(createLogger('silent').level).toBe('silent');
  });

  it("shows an error's code field while redacting the OAuth authorization code by its path", () => {
    const { lines, logger } = redactingLogger();
    logger.warn({ connectionId: 'c1', code: 'KW_OAUTH_INVALID_GRANT' }, 'refresh failed');
    logger.error({ err: { code: 'KW_OAUTH_SERVER_ERROR' } }, 'request failed');
    logger.info({ query: { code: 'auth-code-123456', state: 's' } }, 'callback');
    logger.info({ req: { query: { code: 'auth-code-654321' } }, form: { code: 'auth-code-777777' } }, 'x');
    const out = lines.join('');
    expect(out).toContain('"code":"KW_OAUTH_INVALID_GRANT"');
    expect(out).toContain('"code":"KW_OAUTH_SERVER_ERROR"');
    expect(out).not.toMatch(/auth-code-/);
  });
});

describe('keyway serve configuration', () => {
  const env = { KEYWAY_LINK_SECRET: secret };

  it('merges file < environment < flags', () => {
    const { serve, server } = resolveServeConfig(
      { port: '4000' },
      { ...env, KEYWAY_PORT: '5000', KEYWAY_PLATFORM_NAME: 'Env name' },
      { port: 6000, platformName: 'File name', allowedRedirectOrigins: ['https://app.example.com/'] },
    );
    expect(serve.port).toBe(4000);
    expect(server.platformName).toBe('Env name');
    expect(server.allowedRedirectOrigins).toEqual(['https://app.example.com']);
    expect(server.publicBaseUrl).toBe('http://127.0.0.1:4000');
  });

  it('names each wrong value and its environment variable, never a secret', () => {
    let message = '';
    try {
      resolveServeConfig({ port: 'eighty' }, { KEYWAY_DATABASE_URL: 'mysql://u:hunter2@db/x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('port (KEYWAY_PORT)');
    expect(message).toContain('databaseUrl (KEYWAY_DATABASE_URL)');
    expect(message).not.toContain('hunter2');
  });

  it('takes a metrics listen address and a metrics token, never echoing the token', () => {
    const { serve, server } = resolveServeConfig(
      { metricsListen: '127.0.0.1:9464' },
      { ...env, KEYWAY_METRICS_TOKEN: 'metrics-token-0123456789' },
    );
    expect(serve.metricsListen).toBe('127.0.0.1:9464');
    expect(server.metricsToken).toBe('metrics-token-0123456789');
    expect(() => resolveServeConfig({ metricsListen: '9464' }, env)).toThrow(
      /metricsListen \(KEYWAY_METRICS_LISTEN\): must be host:port/,
    );
    expect(() => resolveServeConfig({}, { ...env, KEYWAY_METRICS_TOKEN: 'short-secret' })).toThrow(
      /^(?![\s\S]*short-secret)[\s\S]*metricsToken/,
    );
  });

  it('passes the database statement deadline to the store from the environment or the file', () => {
    expect(resolveServeConfig({}, env).store.statementTimeoutMs).toBeUndefined();
    const fromEnv = resolveServeConfig({}, { ...env, KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS: '3000' });
    expect(fromEnv.store.statementTimeoutMs).toBe(3000);
    const fromFile = resolveServeConfig({}, env, { databaseStatementTimeoutMs: 4000 });
    expect(fromFile.store.statementTimeoutMs).toBe(4000);
    expect(() => resolveServeConfig({}, { ...env, KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(
      /databaseStatementTimeoutMs \(KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS\)/,
    );
  });

  it('gives the other commands the statement deadline from the environment, and refuses a bad one at open', () => {
    // `keyway migrate`, `keys rotate` and the rest read the store's settings with storeConfigFromEnv.
    const config = storeConfigFromEnv({ KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS: ' 2500 ' });
    expect(config.statementTimeoutMs).toBe(2500);
    expect(storeConfigFromEnv({}).statementTimeoutMs).toBeUndefined();
    for (const value of ['soon', '0', '1.5']) {
      const fromEnv = storeConfigFromEnv({ KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS: value });
      const opening = () =>
        openPostgresEngine({ ...fromEnv, databaseUrl: 'postgres://keyway:pw-not-shown@127.0.0.1:1/x' });
      expect(opening).toThrow(/statementTimeoutMs, KEYWAY_DATABASE_STATEMENT_TIMEOUT_MS/);
      expect(opening).not.toThrow(/pw-not-shown/);
    }
  });

  it('requires a link signing secret and refuses a success URL off the allowed origins', () => {
    expect(() => resolveServeConfig({}, {})).toThrow(/linkSecret \(KEYWAY_LINK_SECRET\)/);
    expect(() => resolveServeConfig({ successUrl: 'https://evil.test/' }, env)).toThrow(/successUrl/);
  });
});

describe('device page', () => {
  const page = { nonce: 'n', branding: { platformName: 'Acme' } };
  const device = {
    sessionId: 's',
    connectionId: 'c',
    userCode: 'ABCD-EFGH',
    expiresAt: 600_000,
    intervalMs: 5000,
    status: 'pending' as const,
  };

  it('links only http(s) verification URLs from the provider', () => {
    const hostile = renderDevicePage(
      page,
      {
        ...device,
        verificationUri: 'javascript:alert(document.cookie)',
        verificationUriComplete: 'data:text/html,<script>alert(1)</script>',
      },
      { backHref: '/connect/x', now: 0 },
    );
    expect(hostile).not.toMatch(/href="(javascript|data):/i);
    expect(hostile).not.toContain('data-qr-link');
    expect(hostile).toContain('ABCD-EFGH');
    const fine = renderDevicePage(
      page,
      {
        ...device,
        verificationUri: 'https://provider.example.com/device',
        verificationUriComplete: 'https://provider.example.com/device?user_code=ABCD-EFGH',
      },
      { backHref: '/connect/x', now: 0 },
    );
    expect(fine).toContain('href="https://provider.example.com/device"');
    expect(fine).toContain('data-qr-link');
  });
});
