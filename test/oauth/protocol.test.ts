/**
 * The pure protocol functions: request building, callback validation, token set rules, retry decisions.
 */
import { KeywayError } from '../../src/errors';
import {
  buildAuthorizationUrl,
  classifyProviderError,
  clientCredentialsGrantRequest,
  clientSecretPost,
  codeChallenge,
  discoveryRequest,
  generatePkce,
  mergeRefreshedTokenSet,
  none,
  parseImplicitResponse,
  processTokenResponse,
  shouldRefresh,
  shouldRetry,
  validateAuthorizationCallback,
  type TokenSet,
} from '../../src/oauth';
import { bodySnippet, maskToken, redactText } from '../../src/redact';
import { thrown } from '../support/errors';

const server = {
  authorizationEndpoint: 'https://idp.example/authorize?tenant=acme',
  tokenEndpoint: 'https://idp.example/token',
};
const state = 'state-value-0123456789';

describe('authorize URL', () => {
  it('carries response_type, client_id, redirect_uri, space-joined scope, state and the S256 challenge', () => {
    const pkce = generatePkce();
    const url = new URL(
      buildAuthorizationUrl(server, 'client-1', {
        redirectUri: 'https://app.example/cb',
        scopes: ['openid', 'email'],
        state,
        pkce,
      }),
    );
    expect(url.searchParams.get('tenant')).toBe('acme');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('client_id')).toBe('client-1');
    expect(url.searchParams.get('redirect_uri')).toBe('https://app.example/cb');
    expect(url.searchParams.get('scope')).toBe('openid email');
    expect(url.search).toContain('scope=openid%20email');
    expect(url.searchParams.get('state')).toBe(state);
    expect(url.searchParams.get('code_challenge')).toBe(pkce.challenge);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('joins scopes with a literal "+" when the provider wants it', () => {
    const url = buildAuthorizationUrl(
      server,
      'c',
      { redirectUri: 'https://app.example/cb', scopes: ['a.read', 'b.write'], state },
      { scopeSeparator: '+' },
    );
    expect(url).toContain('scope=a.read+b.write');
  });

  it('adds provider extras without letting them override protocol parameters', () => {
    const url = new URL(
      buildAuthorizationUrl(
        server,
        'c',
        { redirectUri: 'https://app.example/cb', state },
        {
          extraAuthorizeParams: {
            access_type: 'offline',
            prompt: 'consent',
            state: 'attacker',
            client_id: 'evil',
          },
        },
      ),
    );
    expect(url.searchParams.get('access_type')).toBe('offline');
    expect(url.searchParams.get('prompt')).toBe('consent');
    expect(url.searchParams.getAll('state')).toEqual([state]);
    expect(url.searchParams.getAll('client_id')).toEqual(['c']);
  });

  it('refuses response_type=token unless the definition opts in to the implicit grant', () => {
    const params = { redirectUri: 'https://app.example/cb', state, responseType: 'token' as const };
    expect(thrown(() => buildAuthorizationUrl(server, 'c', params)).code).toBe('KW_OAUTH_GRANT_DISABLED');
    expect(buildAuthorizationUrl(server, 'c', params, { allowImplicit: true })).toContain(
      'response_type=token',
    );
  });

  it('names the missing endpoint when the definition has none', () => {
    const err = thrown(() =>
      buildAuthorizationUrl({}, 'c', { redirectUri: 'https://app.example/cb', state }),
    );
    expect(err.code).toBe('KW_CONFIG_INVALID');
    expect(err.message).toContain('authorizationEndpoint');
  });
});

describe('PKCE', () => {
  it('derives the RFC 7636 appendix B challenge with S256', () => {
    expect(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'S256')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('uses the verifier itself for plain', () => {
    const { verifier } = generatePkce();
    expect(codeChallenge(verifier, 'plain')).toBe(verifier);
  });

  it('generates 43-character verifiers that differ every time', () => {
    const a = generatePkce();
    const b = generatePkce();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.method).toBe('S256');
  });

  it('rejects a verifier that is too short', () => {
    expect(thrown(() => codeChallenge('short')).code).toBe('KW_OAUTH_PKCE_INVALID');
  });
});

describe('authorization callback', () => {
  const expected = { expectedState: state, expectedIssuer: 'https://idp.example' };

  it('returns the code when state and iss match', () => {
    const callback = validateAuthorizationCallback(
      `https://app.example/cb?code=abc&state=${state}&iss=${encodeURIComponent('https://idp.example')}`,
      expected,
    );
    expect(callback).toEqual({ code: 'abc', state, iss: 'https://idp.example' });
  });

  it('accepts a parsed query object', () => {
    expect(validateAuthorizationCallback({ code: 'abc', state }, { expectedState: state }).code).toBe('abc');
  });

  it('rejects a callback whose state does not match', () => {
    expect(thrown(() => validateAuthorizationCallback({ code: 'abc', state: 'other' }, expected)).code).toBe(
      'KW_OAUTH_STATE_MISMATCH',
    );
  });

  it('rejects a callback without state', () => {
    expect(thrown(() => validateAuthorizationCallback({ code: 'abc' }, expected)).code).toBe(
      'KW_OAUTH_CALLBACK_INVALID',
    );
  });

  it('checks state before honouring an error, so a forged error cannot end a flow', () => {
    const err = thrown(() =>
      validateAuthorizationCallback({ error: 'access_denied', state: 'forged' }, expected),
    );
    expect(err.code).toBe('KW_OAUTH_STATE_MISMATCH');
  });

  it('rejects an iss that is not the expected issuer (RFC 9207)', () => {
    const err = thrown(() =>
      validateAuthorizationCallback({ code: 'abc', state, iss: 'https://evil.example' }, expected),
    );
    expect(err.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
  });

  it('rejects a missing iss when the server declares it always sends one', () => {
    const err = thrown(() =>
      validateAuthorizationCallback({ code: 'abc', state }, { ...expected, issRequired: true }),
    );
    expect(err.code).toBe('KW_OAUTH_ISSUER_MISMATCH');
  });

  it('keeps error, error_description and error_uri from an error callback', () => {
    const err = thrown(() =>
      validateAuthorizationCallback(
        {
          state,
          error: 'invalid_scope',
          error_description: 'Unknown scope "x"',
          error_uri: 'https://idp.example/e',
        },
        expected,
      ),
    );
    expect(err.code).toBe('KW_OAUTH_CALLBACK_ERROR');
    expect(err.provider).toEqual({
      error: 'invalid_scope',
      error_description: 'Unknown scope "x"',
      error_uri: 'https://idp.example/e',
    });
    expect(err.message).toContain('Unknown scope');
  });

  it('maps an access_denied callback to KW_OAUTH_ACCESS_DENIED', () => {
    expect(
      thrown(() => validateAuthorizationCallback({ state, error: 'access_denied' }, expected)).code,
    ).toBe('KW_OAUTH_ACCESS_DENIED');
  });

  it('rejects duplicated parameters', () => {
    const err = thrown(() => validateAuthorizationCallback(`?code=a&code=b&state=${state}`, expected));
    expect(err.code).toBe('KW_OAUTH_CALLBACK_INVALID');
    expect(err.details).toEqual({ parameter: 'code' });
  });

  it('rejects a callback with neither code nor error', () => {
    expect(thrown(() => validateAuthorizationCallback({ state }, expected)).code).toBe(
      'KW_OAUTH_CALLBACK_INVALID',
    );
  });
});

describe('implicit grant', () => {
  const fragment = `#access_token=legacy-token&token_type=Bearer&expires_in=600&state=${state}&scope=read`;

  it('is refused unless the definition opts in', () => {
    expect(
      thrown(() => parseImplicitResponse(fragment, { expectedState: state, allowImplicit: undefined })).code,
    ).toBe('KW_OAUTH_GRANT_DISABLED');
  });

  it('parses a fragment response when opted in', () => {
    const tokens = parseImplicitResponse(fragment, {
      expectedState: state,
      allowImplicit: true,
      now: () => 5000,
    });
    expect(tokens).toMatchObject({
      accessToken: 'legacy-token',
      tokenType: 'bearer',
      expiresIn: 600,
      expiresAt: 605_000,
      scope: ['read'],
    });
  });

  it('still checks state when opted in', () => {
    expect(
      thrown(() => parseImplicitResponse(fragment, { expectedState: 'other', allowImplicit: true })).code,
    ).toBe('KW_OAUTH_STATE_MISMATCH');
  });
});

describe('token requests', () => {
  it('puts client_id and client_secret in the body for client_secret_post, with audience', () => {
    const req = clientCredentialsGrantRequest(
      server,
      { clientId: 'c1', auth: clientSecretPost('s1-secret') },
      { scopes: ['a', 'b'], extraParams: { audience: 'https://api.example' } },
    );
    const body = new URLSearchParams(req.body);
    expect(req.method).toBe('POST');
    expect(req.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'client_credentials',
      scope: 'a b',
      audience: 'https://api.example',
      client_id: 'c1',
      client_secret: 's1-secret',
    });
  });

  it('sends only client_id for a public client', () => {
    const req = clientCredentialsGrantRequest(server, { clientId: 'pub', auth: none() });
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'pub',
    });
  });

  it('keeps the client secret out of JSON', () => {
    expect(JSON.stringify(clientSecretPost('very-secret-value'))).not.toContain('very-secret-value');
  });
});

describe('token sets', () => {
  const base: TokenSet = {
    accessToken: 'at-1',
    tokenType: 'bearer',
    expiresIn: 3600,
    expiresAt: 10_000,
    refreshToken: 'rt-1',
    scope: ['a'],
    raw: { access_token: 'at-1', refresh_token: 'rt-1' },
  };

  it('keeps the old refresh token when the refresh response has none', () => {
    const fresh = processTokenResponse(
      { status: 200, headers: {}, body: JSON.stringify({ access_token: 'at-2', expires_in: 60 }) },
      { now: () => 0 },
    );
    const merged = mergeRefreshedTokenSet(base, fresh);
    expect(merged.accessToken).toBe('at-2');
    expect(merged.refreshToken).toBe('rt-1');
    expect(merged.raw.refresh_token).toBe('rt-1');
    expect(merged.scope).toEqual(['a']);
  });

  it('takes a rotated refresh token', () => {
    const fresh = {
      ...base,
      accessToken: 'at-2',
      refreshToken: 'rt-2',
      raw: { access_token: 'at-2', refresh_token: 'rt-2' },
    };
    expect(mergeRefreshedTokenSet(base, fresh).refreshToken).toBe('rt-2');
  });

  it('keeps a nested token nested when the refresh answers at the top level (Slack authed_user)', () => {
    const quirks = {
      tokenPath: 'authed_user',
      errorInOkBody: { okField: 'ok' },
      scopeSeparator: ',' as const,
    };
    const installed = processTokenResponse(
      {
        status: 200,
        headers: {},
        body: JSON.stringify({
          ok: true,
          access_token: 'xoxb-bot',
          token_type: 'bot',
          team: { id: 'T1' },
          authed_user: { id: 'U1', access_token: 'xoxp-1', refresh_token: 'xoxe-1', expires_in: 60 },
        }),
      },
      { ...quirks, now: () => 0 },
    );
    const refreshed = processTokenResponse(
      {
        status: 200,
        headers: {},
        body: JSON.stringify({
          ok: true,
          access_token: 'xoxp-2',
          refresh_token: 'xoxe-2',
          expires_in: 60,
          token_type: 'user',
          authed_user: { id: 'U1' },
        }),
      },
      { ...quirks, now: () => 1000 },
    );
    const merged = mergeRefreshedTokenSet(installed, refreshed, { tokenPath: 'authed_user' });
    expect(merged).toMatchObject({ accessToken: 'xoxp-2', refreshToken: 'xoxe-2', expiresAt: 61_000 });
    expect(merged.raw).toEqual({
      ok: true,
      access_token: 'xoxb-bot',
      token_type: 'bot',
      team: { id: 'T1' },
      authed_user: {
        id: 'U1',
        access_token: 'xoxp-2',
        refresh_token: 'xoxe-2',
        expires_in: 60,
        token_type: 'user',
      },
    });
    // Without the token path the refresh answer replaces the whole response, as for any other provider.
    expect(mergeRefreshedTokenSet(installed, refreshed).raw['access_token']).toBe('xoxp-2');
  });

  it('treats an absent expires_in as no expiry', () => {
    const tokens = processTokenResponse({
      status: 200,
      headers: {},
      body: '{"access_token":"x","token_type":"MAC"}',
    });
    expect(tokens.expiresAt).toBeUndefined();
    expect(tokens.tokenType).toBe('mac');
  });

  it.each([
    [{ expiresAt: 1000, refreshToken: 'r' }, 2000, { refresh: true, reason: 'expired' }],
    [{ expiresAt: 2500, refreshToken: 'r' }, 2000, { refresh: true, reason: 'inside_margin' }],
    [{ expiresAt: 99_000, refreshToken: 'r' }, 2000, { refresh: false, reason: 'fresh' }],
    [{ refreshToken: 'r' }, 2000, { refresh: false, reason: 'no_expiry' }],
    [{ expiresAt: 1000 }, 2000, { refresh: false, reason: 'no_refresh_token' }],
  ])('decides refresh for %j at %d', (tokenSet, now, decision) => {
    expect(shouldRefresh(tokenSet, { now: () => now, marginMs: 1000 })).toEqual(decision);
  });
});

describe('error classification', () => {
  it.each([
    [400, 'invalid_grant', 'KW_OAUTH_INVALID_GRANT'],
    [401, 'invalid_client', 'KW_OAUTH_INVALID_CLIENT'],
    [400, 'unauthorized_client', 'KW_OAUTH_INVALID_CLIENT'],
    [403, 'access_denied', 'KW_OAUTH_ACCESS_DENIED'],
    [503, 'temporarily_unavailable', 'KW_OAUTH_SERVER_ERROR'],
    [500, undefined, 'KW_OAUTH_SERVER_ERROR'],
    [429, undefined, 'KW_OAUTH_RATE_LIMITED'],
    [400, 'invalid_scope', 'KW_OAUTH_PROVIDER_ERROR'],
  ])('maps HTTP %d %s to %s', (status, error, code) => {
    expect(classifyProviderError(status, error)).toBe(code);
  });
});

describe('retry decisions', () => {
  const transient = new KeywayError('KW_OAUTH_SERVER_ERROR');
  const reset = new KeywayError('KW_OAUTH_NETWORK', { details: { requestSent: true } });
  const refused = new KeywayError('KW_OAUTH_NETWORK', { details: { requestSent: false } });
  const timeout = new KeywayError('KW_OAUTH_TIMEOUT');

  it('retries idempotent steps on transient errors with doubling backoff', () => {
    expect(shouldRetry('client_credentials', transient, 1)).toEqual({
      retry: true,
      reason: 'transient',
      delayMs: 250,
    });
    expect(shouldRetry('discovery', transient, 2)).toEqual({
      retry: true,
      reason: 'transient',
      delayMs: 500,
    });
    expect(shouldRetry('revocation', transient, 3).reason).toBe('attempts_exhausted');
  });

  it('never retries a code exchange', () => {
    expect(shouldRetry('authorization_code', refused, 1)).toMatchObject({
      retry: false,
      reason: 'never_repeat',
    });
  });

  it('retries a refresh only when the request never left', () => {
    expect(shouldRetry('refresh', refused, 1)).toMatchObject({ retry: true, reason: 'not_sent' });
    expect(shouldRetry('refresh', reset, 1)).toMatchObject({
      retry: false,
      reason: 'may_have_reached_server',
    });
    expect(shouldRetry('refresh', timeout, 1)).toMatchObject({
      retry: false,
      reason: 'may_have_reached_server',
    });
  });

  it('does not retry permanent errors', () => {
    expect(shouldRetry('client_credentials', new KeywayError('KW_OAUTH_INVALID_CLIENT'), 1).reason).toBe(
      'not_transient',
    );
  });

  it('honours Retry-After over the backoff', () => {
    const limited = new KeywayError('KW_OAUTH_RATE_LIMITED', { retryAfterMs: 3000 });
    expect(shouldRetry('device_poll', limited, 1)).toEqual({
      retry: true,
      reason: 'transient',
      delayMs: 3000,
    });
  });
});

describe('discovery request', () => {
  it('inserts the RFC 8414 well-known segment before the issuer path', () => {
    expect(discoveryRequest('https://idp.example/tenant1', 'oauth2').url).toBe(
      'https://idp.example/.well-known/oauth-authorization-server/tenant1',
    );
  });

  it('appends the OpenID well-known segment after the issuer path', () => {
    expect(discoveryRequest('https://idp.example/tenant1/', 'oidc').url).toBe(
      'https://idp.example/tenant1/.well-known/openid-configuration',
    );
  });
});

describe('redaction', () => {
  it('replaces known secrets, their URL-encoded forms and token-shaped fields', () => {
    const out = redactText(
      'secret a+b/c= then a%2Bb%2Fc%3D, {"access_token":"xyz123"} refresh_token=qqq Bearer abc.def',
      ['a+b/c='],
    );
    expect(out).not.toMatch(/a\+b\/c=|a%2Bb%2Fc%3D|xyz123|qqq|abc\.def/);
  });

  it('makes a short plain-text snippet of an HTML page', () => {
    const snippet = bodySnippet(`<html><script>var x=1</script><h1>Oops</h1>${'word '.repeat(100)}</html>`);
    expect(snippet.startsWith('Oops word')).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(201);
    expect(snippet).not.toContain('var x');
  });

  it('masks tokens for display', () => {
    expect(maskToken('eyJhbGciOiJSUzI1NiJ9.payload')).toBe('eyJh…(redacted)');
    expect(maskToken('short')).toBe('…(redacted)');
  });
});
