import { runDemo } from '../../src/cli/commands/demo';

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
