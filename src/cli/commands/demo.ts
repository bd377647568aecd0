/**
 * `keyway demo`: a real end-to-end run of the OAuth engine against the in-process sandbox
 * authorization server, printing what happened with every token redacted.
 */
import type { Command } from 'commander';
import {
  buildAuthorizationUrl,
  clientCredentialsGrant,
  discover,
  exchangeAuthorizationCode,
  generatePkce,
  generateState,
  mergeRefreshedTokenSet,
  redactUrl,
  refreshTokenGrant,
  revokeToken,
  validateAuthorizationCallback,
  type TokenSet,
} from '../../oauth';
import { maskToken } from '../../redact';
import { followAuthorization, startSandbox } from '../../sandbox';
import { cliAction } from '../config';

type Print = (line: string) => void;

/** What `keyway demo --json` prints: each step's outcome, tokens masked. */
export interface DemoSummary {
  readonly issuer: string;
  /** Empty when discovery named none (the demo fails before this is printed). */
  readonly tokenEndpoint: string;
  readonly issParameterSupported: boolean;
  readonly authorizationCode: { readonly tokens: string; readonly apiStatus: number };
  readonly clientCredentials: { readonly clientId: string; readonly tokens: string };
  readonly refresh: {
    readonly tokens: string;
    readonly refreshTokenRotated: boolean;
    readonly tokenRequests: Readonly<Record<string, number>>;
    readonly apiStatus: number;
  };
  readonly revocation: { readonly apiStatusAfterRevoke: number };
  /** True when every step behaved as expected. */
  readonly ok: boolean;
}

async function callApi(url: string, accessToken: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: await res.text() };
}

function describeTokens(tokens: TokenSet): string {
  const expires = tokens.expiresIn !== undefined ? `expires in ${tokens.expiresIn}s` : 'no expiry';
  return `access ${maskToken(tokens.accessToken)}, refresh ${maskToken(tokens.refreshToken)}, scope [${(
    tokens.scope ?? []
  ).join(' ')}], ${expires}`;
}

/**
 * Runs the demo, printing each step; resolves with the summary (`ok: false` and exit code 1 when a step
 * behaved unexpectedly), rejects on the first failure.
 */
export async function runDemo(print: Print = (line) => console.log(line)): Promise<DemoSummary> {
  const sandbox = await startSandbox({ accessTokenTtlS: 120 });
  try {
    print(`Sandbox authorization server (oidc-provider) at ${sandbox.issuer}`);

    const server = await discover(sandbox.issuer);
    print(
      `1. Discovery: token endpoint ${server.tokenEndpoint}, RFC 9207 iss: ${String(server.authorizationResponseIssParameterSupported)}`,
    );

    const client = sandbox.clients.basic;
    const pkce = generatePkce();
    const state = generateState();
    const authorizeUrl = buildAuthorizationUrl(server, client.clientId, {
      redirectUri: client.redirectUri,
      scopes: ['openid', 'profile', 'api:read'],
      state,
      pkce,
    });
    print(`2. Authorization code + PKCE (S256), client_secret_basic: ${redactUrl(authorizeUrl)}`);
    const callbackUrl = await followAuthorization(authorizeUrl, { redirectUri: client.redirectUri });
    const { code } = validateAuthorizationCallback(callbackUrl, {
      expectedState: state,
      expectedIssuer: server.issuer,
      issRequired: server.authorizationResponseIssParameterSupported,
    });
    print(`   callback checked (state, iss): ${redactUrl(callbackUrl)}`);
    const first = await exchangeAuthorizationCode(server, client, {
      code,
      redirectUri: client.redirectUri,
      codeVerifier: pkce.verifier,
    });
    const firstTokens = describeTokens(first);
    print(`   tokens: ${firstTokens}`);

    const me = await callApi(sandbox.apiUrl, first.accessToken);
    print(`3. Demo API with the access token: HTTP ${me.status} ${me.body}`);

    const service = await clientCredentialsGrant(server, sandbox.clients.service, { scopes: ['api:read'] });
    const serviceTokens = describeTokens(service);
    print(`4. Client credentials (${sandbox.clients.service.clientId}): ${serviceTokens}`);

    sandbox.resetCounts();
    const fresh = await refreshTokenGrant(server, client, { refreshToken: first.refreshToken ?? '' });
    const refreshed = mergeRefreshedTokenSet(first, fresh);
    const rotated = refreshed.refreshToken !== first.refreshToken;
    const refreshedTokens = describeTokens(refreshed);
    const tokenRequests = sandbox.tokenRequests();
    print(
      `5. Refresh: ${refreshedTokens}; refresh token rotated: ${String(rotated)}; token requests: ${JSON.stringify(tokenRequests)}`,
    );
    const meAgain = await callApi(sandbox.apiUrl, refreshed.accessToken);
    print(`   Demo API with the refreshed token: HTTP ${meAgain.status}`);

    await revokeToken(server, client, {
      token: refreshed.refreshToken ?? '',
      tokenTypeHint: 'refresh_token',
    });
    const afterRevoke = await callApi(sandbox.apiUrl, refreshed.accessToken);
    print(
      `6. Revoked the refresh token (RFC 7009); the grant's access token now gets HTTP ${afterRevoke.status}`,
    );

    const ok = me.status === 200 && meAgain.status === 200 && rotated && afterRevoke.status === 401;
    print(ok ? 'Demo finished: every step behaved as expected.' : 'Demo finished with unexpected results.');
    if (!ok) process.exitCode = 1;
    return {
      issuer: sandbox.issuer,
      tokenEndpoint: server.tokenEndpoint ?? '',
      issParameterSupported: server.authorizationResponseIssParameterSupported === true,
      authorizationCode: { tokens: firstTokens, apiStatus: me.status },
      clientCredentials: { clientId: sandbox.clients.service.clientId, tokens: serviceTokens },
      refresh: {
        tokens: refreshedTokens,
        refreshTokenRotated: rotated,
        tokenRequests,
        apiStatus: meAgain.status,
      },
      revocation: { apiStatusAfterRevoke: afterRevoke.status },
      ok,
    };
  } finally {
    await sandbox.close();
  }
}

/** Adds the `demo` command. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run the OAuth engine end to end against an in-process sandbox authorization server')
    .option('--json', 'print the summary as JSON instead of the step-by-step lines')
    .action(
      cliAction(async (out) => {
        // With --json the steps are not printed: stdout carries only the summary.
        const summary = await runDemo(out.json ? () => undefined : (line) => out.stdout.write(`${line}\n`));
        if (out.json) out.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      }),
    );
}
