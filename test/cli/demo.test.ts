import { runDemo } from '../../src/cli/commands/demo';
import type { DemoSummary } from '../../src/cli/commands/demo';
import { runCli } from './cli-harness';

describe('keyway demo', () => {
  it('runs every step against the sandbox and prints tokens only redacted', async () => {
    const lines: string[] = [];
    await runDemo((line) => lines.push(line));
    const output = lines.join('\n');
    expect(output).toContain('Demo finished: every step behaved as expected.');
    expect(output).toContain('refresh token rotated: true');
    expect(output).toContain('token requests: {"refresh_token":1}');
    expect(output).toMatch(/access \S{4}…\(redacted\)/);
    // Codes, states and PKCE challenges in printed URLs are redacted.
    expect(output).not.toMatch(/[?&](code|state|code_challenge)=(?!\[REDACTED\])/);
  });
});

describe('keyway demo --json', () => {
  it('prints only the summary as JSON, with tokens masked', async () => {
    // oidc-provider's start-up warning goes to stderr in a terminal, but through jest's console here.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const run = await runCli(['demo', '--json']).finally(() => warn.mockRestore());
    expect(run.exitCode).toBe(0);
    const summary = run.json<DemoSummary>();
    expect(summary).toMatchObject({
      ok: true,
      issParameterSupported: true,
      authorizationCode: { apiStatus: 200 },
      refresh: { refreshTokenRotated: true, tokenRequests: { refresh_token: 1 }, apiStatus: 200 },
      revocation: { apiStatusAfterRevoke: 401 },
    });
    expect(summary.tokenEndpoint).toBe(`${summary.issuer}/token`);
    expect(summary.clientCredentials.tokens).toMatch(/^access \S{4}…\(redacted\)/);
    expect(run.stdout).not.toContain('Demo finished');
  });
});
