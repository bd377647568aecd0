/**
 * The sandbox's HTTP routing beside oidc-provider's own: login and consent interactions, the interactive consent
 * page's answer, the admin switches, the demo API and the client's callback page.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { InteractionDetails, OidcProvider, StoredToken } from './oidc-provider-types';
import { consentPage, readJson, sendHtml, sendJson } from './pages';
import { SANDBOX_ACCOUNT } from './types';
import type { SandboxBehaviour, SandboxOptions } from './types';

/** What the routes act on. */
export interface SandboxRoutesContext {
  readonly provider: OidcProvider;
  readonly issuer: string;
  readonly options: SandboxOptions;
  readonly behaviour: SandboxBehaviour;
  readonly revokeAll: () => Promise<void>;
}

/** A patch of {@link SandboxBehaviour}, as `POST /__sandbox/behaviour` accepts it. */
const SandboxBehaviourPatchSchema = z.strictObject({
  denyConsent: z.boolean().optional(),
  tokenDelayMs: z.number().int().min(0).max(600_000).optional(),
});

/** The `request` listener of the sandbox's HTTP server. */
export function sandboxRequestHandler(
  ctx: SandboxRoutesContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { options } = ctx;
  const oidc = ctx.provider.callback();
  return (req, res) => {
    const path = new URL(req.url ?? '/', ctx.issuer).pathname;
    let handled: Promise<void> | undefined;
    const decision = /^\/interaction\/[^/]+\/(approve|deny)$/.exec(path);
    if (req.method === 'POST' && decision && options.interactive === true)
      handled = decide(ctx, req, res, decision[1] === 'approve');
    else if (req.method === 'GET' && path.startsWith('/interaction/')) handled = interaction(ctx, req, res);
    else if (path.startsWith('/__sandbox/') && options.adminEndpoints === true)
      handled = admin(ctx, req, res, path);
    else if (path === '/api/me') handled = apiMe(ctx.provider, req, res);
    else if (path === '/cb') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('The sandbox callback page: a Keyway client reads the code from this URL.');
      return;
    } else {
      oidc(req, res);
      return;
    }
    handled.catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.end();
    });
  };
}

async function deny(provider: OidcProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: 'The sandbox user denied consent.' },
    { mergeWithLastSubmission: false },
  );
}

async function interaction(
  ctx: SandboxRoutesContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { provider } = ctx;
  const details: InteractionDetails = await provider.interactionDetails(req, res);
  if (ctx.behaviour.denyConsent) {
    await deny(provider, req, res);
    return;
  }
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: SANDBOX_ACCOUNT.sub } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (ctx.options.interactive === true) {
    sendHtml(res, 200, consentPage(details));
    return;
  }
  await grantConsent(provider, req, res, details);
}

async function grantConsent(
  provider: OidcProvider,
  req: IncomingMessage,
  res: ServerResponse,
  details: InteractionDetails,
): Promise<void> {
  const clientId = String(details.params.client_id);
  const accountId = details.session?.accountId ?? SANDBOX_ACCOUNT.sub;
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId, clientId });
  const missing = details.prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/** The person's answer on the consent page (interactive mode). */
async function decide(
  ctx: SandboxRoutesContext,
  req: IncomingMessage,
  res: ServerResponse,
  approve: boolean,
): Promise<void> {
  const details: InteractionDetails = await ctx.provider.interactionDetails(req, res);
  if (!approve || ctx.behaviour.denyConsent) {
    await deny(ctx.provider, req, res);
    return;
  }
  await grantConsent(ctx.provider, req, res, details);
}

async function admin(
  ctx: SandboxRoutesContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const { behaviour } = ctx;
  if (req.method === 'POST' && path === '/__sandbox/revoke-all') {
    await ctx.revokeAll();
    sendJson(res, 200, { revoked: true });
    return;
  }
  if (path === '/__sandbox/behaviour' && req.method === 'POST') {
    const parsed = SandboxBehaviourPatchSchema.safeParse(await readJson(req));
    if (!parsed.success) {
      sendJson(res, 400, {
        error: 'invalid_request',
        error_description: parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          .join('; '),
      });
      return;
    }
    if (parsed.data.denyConsent !== undefined) behaviour.denyConsent = parsed.data.denyConsent;
    if (parsed.data.tokenDelayMs !== undefined) behaviour.tokenDelayMs = parsed.data.tokenDelayMs;
  }
  if (path === '/__sandbox/behaviour' && (req.method === 'POST' || req.method === 'GET')) {
    sendJson(res, 200, { ...behaviour });
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
}

async function findBearer(provider: OidcProvider, req: IncomingMessage): Promise<StoredToken | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const token =
    (await provider.AccessToken.find(match[1])) ?? (await provider.ClientCredentials.find(match[1]));
  if (!token || token.isExpired) return undefined;
  // A revoked grant takes its access tokens with it.
  if (token.grantId !== undefined && !(await provider.Grant.find(token.grantId))) return undefined;
  return token;
}

async function apiMe(provider: OidcProvider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = await findBearer(provider, req);
  if (!token) {
    sendJson(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    return;
  }
  const user = token.accountId !== undefined;
  sendJson(res, 200, {
    sub: token.accountId ?? token.clientId,
    client_id: token.clientId,
    scope: token.scope ?? '',
    ...(user ? { name: SANDBOX_ACCOUNT.name, email: SANDBOX_ACCOUNT.email } : {}),
  });
}
