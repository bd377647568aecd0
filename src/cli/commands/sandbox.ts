/**
 * `keyway sandbox`: the local OAuth 2.0 authorization server (oidc-provider) with its demo API, for developing
 * and testing a connector end to end with no internet. It prints its issuer and its clients' ids and secrets
 * (sandbox-only demo values, regenerated on every start) and serves admin endpoints to make it misbehave.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { startSandbox } from '../../sandbox';
import type { Sandbox, SandboxClient, SandboxOptions } from '../../sandbox';
import { collect } from '../args';
import { cliAction } from '../config';
import type { Output } from '../output';
import { renderTable } from '../output';
import { waitForStop } from '../signals';

/** The sandbox's default port, which the sandbox provider definition's default issuer points at. */
export const DEFAULT_SANDBOX_PORT = 4100;

const seconds = (flag: string) =>
  z.coerce
    .number({ error: `${flag} must be a number of seconds` })
    .int()
    .min(1)
    .max(31_536_000);

/** Flags of `keyway sandbox`, validated. */
export const SandboxFlagsSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(DEFAULT_SANDBOX_PORT),
  accessTokenTtl: seconds('--access-token-ttl').optional(),
  refreshTokenTtl: seconds('--refresh-token-ttl').optional(),
  deviceCodeTtl: seconds('--device-code-ttl').optional(),
  denyConsent: z.boolean().default(false),
  slowTokenMs: z.coerce.number().int().min(0).max(600_000).default(0),
  autoConsent: z.boolean().default(false),
  redirectUri: z.array(z.url({ protocol: /^https?$/ })).default([]),
});

const FLAG_NAMES: Record<string, string> = {
  port: '--port',
  accessTokenTtl: '--access-token-ttl',
  refreshTokenTtl: '--refresh-token-ttl',
  deviceCodeTtl: '--device-code-ttl',
  slowTokenMs: '--slow-token-ms',
  redirectUri: '--redirect-uri',
};

/**
 * The callback the sandbox's clients accept when no `--redirect-uri` is given: Keyway's at `KEYWAY_PUBLIC_URL`
 * (the URL `keyway serve` prints in its links), else at the loopback default port.
 */
function defaultRedirectUris(env: NodeJS.ProcessEnv): string[] {
  const publicUrl = (env['KEYWAY_PUBLIC_URL'] ?? '').replace(/\/+$/, '');
  return [`${publicUrl === '' ? 'http://127.0.0.1:3000' : publicUrl}/oauth/callback`];
}

/** Sandbox options from the flags; `KW_CONFIG_INVALID` with one line per wrong flag. */
export function sandboxOptionsFromFlags(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): SandboxOptions {
  const parsed = SandboxFlagsSchema.safeParse(flags);
  if (!parsed.success) {
    throw new KeywayError('KW_CONFIG_INVALID', {
      message: `Invalid sandbox flags:\n${parsed.error.issues
        .map((issue) => `  - ${FLAG_NAMES[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`)
        .join('\n')}`,
    });
  }
  const f = parsed.data;
  return {
    port: f.port,
    interactive: !f.autoConsent,
    adminEndpoints: true,
    behaviour: { denyConsent: f.denyConsent, tokenDelayMs: f.slowTokenMs },
    redirectUris: f.redirectUri.length > 0 ? f.redirectUri : defaultRedirectUris(env),
    ...(f.accessTokenTtl !== undefined ? { accessTokenTtlS: f.accessTokenTtl } : {}),
    ...(f.refreshTokenTtl !== undefined ? { refreshTokenTtlS: f.refreshTokenTtl } : {}),
    ...(f.deviceCodeTtl !== undefined ? { deviceCodeTtlS: f.deviceCodeTtl } : {}),
  };
}

/** What `keyway sandbox` prints (and `--json` emits). The secrets are the sandbox's own demo values. */
export interface SandboxDescription {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly apiUrl: string;
  readonly consent: 'interactive' | 'automatic';
  readonly redirectUris: readonly string[];
  readonly clients: readonly {
    readonly name: string;
    readonly clientId: string;
    readonly clientSecret: string | null;
    readonly auth: string;
  }[];
  readonly admin: { readonly behaviour: string; readonly revokeAll: string };
  readonly behaviour: { readonly denyConsent: boolean; readonly tokenDelayMs: number };
}

/** Describes a running sandbox for people and scripts. */
export function describeSandbox(sandbox: Sandbox, options: SandboxOptions): SandboxDescription {
  return {
    issuer: sandbox.issuer,
    discoveryUrl: `${sandbox.issuer}/.well-known/openid-configuration`,
    apiUrl: sandbox.apiUrl,
    consent: options.interactive === true ? 'interactive' : 'automatic',
    redirectUris: [sandbox.clients.public.redirectUri, ...(options.redirectUris ?? [])],
    clients: (Object.entries(sandbox.clients) as [string, SandboxClient][]).map(([name, client]) => ({
      name,
      clientId: client.clientId,
      clientSecret: client.clientSecret ?? null,
      auth: client.auth.method,
    })),
    admin: {
      behaviour: `${sandbox.issuer}/__sandbox/behaviour`,
      revokeAll: `${sandbox.issuer}/__sandbox/revoke-all`,
    },
    behaviour: { ...sandbox.behaviour },
  };
}

/** The human form of {@link describeSandbox}. */
export function sandboxText(d: SandboxDescription): string {
  return [
    `Keyway sandbox authorization server (oidc-provider)`,
    `  issuer      ${d.issuer}`,
    `  discovery   ${d.discoveryUrl}`,
    `  demo API    ${d.apiUrl}  (GET with Authorization: Bearer <access token>)`,
    `  consent     ${d.consent === 'interactive' ? 'a page with Approve / Deny' : 'automatic'}${d.behaviour.denyConsent ? ' (denying: --deny-consent)' : ''}`,
    `  redirects   ${d.redirectUris.join(', ')}`,
    ...(d.behaviour.tokenDelayMs > 0 ? [`  token delay ${d.behaviour.tokenDelayMs} ms`] : []),
    '',
    'Clients (sandbox-only demo values, new secrets on every start):',
    renderTable(d.clients, [
      { header: 'NAME', value: (c) => c.name },
      { header: 'CLIENT ID', value: (c) => c.clientId },
      { header: 'SECRET', value: (c) => c.clientSecret ?? '(public)' },
      { header: 'AUTH', value: (c) => c.auth },
    ]),
    '',
    'Make it misbehave while it runs:',
    `  curl -X POST ${d.admin.behaviour} -H 'content-type: application/json' -d '{"denyConsent":true,"tokenDelayMs":3000}'`,
    `  curl -X POST ${d.admin.revokeAll}`,
  ].join('\n');
}

async function runSandbox(out: Output, flags: Record<string, unknown>): Promise<void> {
  const options = sandboxOptionsFromFlags(flags);
  const sandbox = await startSandbox(options);
  try {
    out.result(describeSandbox(sandbox, options), () => sandboxText(describeSandbox(sandbox, options)));
    out.note('Press Ctrl+C to stop.');
    await waitForStop();
  } finally {
    await sandbox.close();
  }
}

/** Registers `keyway sandbox`. */
export function registerSandbox(program: Command): void {
  program
    .command('sandbox')
    .description('run a local OAuth 2.0 authorization server with a demo API (no internet needed)')
    .option('--port <port>', `port on 127.0.0.1 (default ${DEFAULT_SANDBOX_PORT})`)
    .option('--access-token-ttl <seconds>', 'access token lifetime (default 300)')
    .option('--refresh-token-ttl <seconds>', 'refresh token lifetime (default 86400)')
    .option('--device-code-ttl <seconds>', 'device code lifetime (default 600)')
    .option('--deny-consent', 'answer every authorization with access_denied')
    .option('--slow-token-ms <ms>', 'hold every token endpoint answer back this long')
    .option('--auto-consent', 'consent automatically instead of showing the Approve / Deny page')
    .option(
      '--redirect-uri <url>',
      'a redirect URI the clients accept (repeatable; default <KEYWAY_PUBLIC_URL>/oauth/callback, else http://127.0.0.1:3000/oauth/callback)',
      collect,
    )
    .option('--json', 'print the description as JSON')
    .action(cliAction((out, flags: Record<string, unknown>) => runSandbox(out, flags)));
}
