/**
 * The customer-facing routes: the connect page behind a signed link, its forms (connect, credentials, device
 * code, disconnect), and the one OAuth callback of the deployment.
 *
 * Every form is CSRF-protected with a token bound to the browser cookie; every route under a link re-verifies
 * the link and checks that the connection belongs to the link's instance and is covered by the link, before
 * anything is changed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { KeywayError, isKeywayError } from '../errors';
import {
  browserBinding,
  browserCookie,
  csrfToken,
  newBrowserId,
  readBrowserId,
  verifyCsrfToken,
} from './browser';
import type { ServerConfig } from './config';
import { logServerError, newNonce, parseRequest, sendHtml, setRetryAfter, toKeywayError } from './http';
import { customerMessage, operatorFacts } from './pages/error-text';
import { linkCoversConnection, verifyConnectLink } from './links';
import type { ConnectLinkClaims } from './links';
import type { Metrics } from './metrics';
import {
  renderConnectPage,
  renderDevicePage,
  renderFragmentPage,
  renderPopupPage,
  renderResultPage,
} from './pages/connect';
import type { PageContext } from './pages/connect';
import type {
  CallbackOutcome,
  ConfigPort,
  ConnectPort,
  ConnectionView,
  DisconnectView,
  InstanceView,
} from './ports';
import { configSection } from './connect-config';
import { checkCompletionUrl, completionRedirect } from './redirects';

/** What the connect routes need. */
export interface ConnectRouteContext {
  readonly config: ServerConfig;
  readonly connect: ConnectPort;
  /** Config variables chosen on the page (./connect-config); the page shows no settings without it. */
  readonly configVars?: ConfigPort;
  readonly metrics: Metrics;
  readonly now: () => number;
}

/** The path of the one OAuth callback. */
export const CALLBACK_PATH = '/oauth/callback';
/** Where the callback page posts a legacy implicit grant's fragment (read in the browser). */
export const FRAGMENT_PATH = `${CALLBACK_PATH}/fragment`;

/** A callback query that carries no answer at all: the answer (implicit grant) is in the URL's fragment. */
function answerInFragment(query: Readonly<Record<string, unknown>>): boolean {
  return ['state', 'code', 'error'].every((key) => query[key] === undefined);
}

/** Notices the connect page can show after a redirect, by fixed key (never text from the query). */
const NOTICES: Record<string, { tone: 'ok' | 'bad'; message: string }> = {
  connected: { tone: 'ok', message: 'Connected.' },
  disconnected: {
    tone: 'ok',
    message: 'Disconnected. The access was revoked at the provider and the stored tokens deleted.',
  },
  disconnected_no_revocation_url: {
    tone: 'ok',
    message:
      'Disconnected. The stored tokens were deleted. This provider offers no way to revoke the access from here: remove it in your account settings at the provider.',
  },
  disconnected_revocation_failed: {
    tone: 'bad',
    message:
      'Disconnected. The stored tokens were deleted, but the provider did not confirm the revocation: check your account settings at the provider and remove the access there.',
  },
  disconnected_no_tokens: { tone: 'ok', message: 'Disconnected. There were no stored tokens to revoke.' },
  configured: { tone: 'ok', message: 'Saved.' },
};

/** The notice that says what a disconnect did at the provider. */
const DISCONNECT_NOTICES: Record<DisconnectView['revocation'], keyof typeof NOTICES> = {
  revoked: 'disconnected',
  no_revocation_url: 'disconnected_no_revocation_url',
  failed: 'disconnected_revocation_failed',
  no_tokens: 'disconnected_no_tokens',
};

const linkParams = z.object({ token: z.string().min(1).max(4096) });
const connectionParams = linkParams.extend({ connectionId: z.string().min(1).max(200) });
const deviceParams = connectionParams.extend({ sessionId: z.string().min(1).max(200) });
const noticeQuery = z.object({ notice: z.string().optional() });
/** The implicit grant's fragment as the callback page posts it; `state` is inside and checked by the runtime. */
const fragmentBody = z.object({ fragment: z.string().min(1).max(8192) });

/** Form bodies are flat string maps (see the parser in app.ts). */
const formBody = z.record(z.string(), z.string());

interface LinkScope {
  readonly claims: ConnectLinkClaims;
  readonly view: InstanceView;
  readonly base: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers with HTML pages, so its errors are pages too (see `buildApp`'s error handler). */
    readonly page?: boolean;
  }
}

/** Route options of the HTML routes. */
const PAGE = { config: { page: true } } as const;

function pageContext(config: ServerConfig): PageContext {
  return {
    nonce: newNonce(),
    branding: {
      platformName: config.platformName,
      ...(config.platformLogoUrl ? { platformLogoUrl: config.platformLogoUrl } : {}),
    },
  };
}

/**
 * Answers a failed page request with the result page: the error's title, message and code, never a stack.
 * Only an unexpected (5xx) failure is logged with its cause; a client's mistake is not an error of Keyway's.
 */
export function sendErrorPage(
  reply: FastifyReply,
  config: ServerConfig,
  thrown: unknown,
  backHref?: string,
): FastifyReply {
  const { error, status } = toKeywayError(thrown);
  if (status >= 500) logServerError(reply.log, thrown, error, 'connect page failed');
  // The customer reads a sentence; the operator reads here which setting is wrong.
  else reply.log.warn(operatorFacts(error), 'connect page refused: %s', error.message);
  setRetryAfter(reply, error, status);
  const p = pageContext(config);
  return sendHtml(
    reply,
    status,
    p.nonce,
    renderResultPage(p, {
      ok: false,
      title: titleFor(error),
      message: customerMessage(error, config.platformName),
      ...(error.provider?.error_description ? { detail: error.provider.error_description } : {}),
      code: error.code,
      ...(backHref ? { backHref } : {}),
    }),
  );
}

/** Registers the connect page, its forms and `GET /oauth/callback` on `app`. */
export function registerConnectRoutes(app: FastifyInstance, ctx: ConnectRouteContext): void {
  registerConnectPage(app, ctx);
  registerAuthorizeForm(app, ctx);
  registerCredentialsForm(app, ctx);
  registerDeviceRoutes(app, ctx);
  registerDisconnectForm(app, ctx);
  registerCallback(app, ctx);
}

/** A finished flow, as `finish` reports it. */
type FlowOutcome =
  | { ok: true; instanceId: string; connectionId: string }
  | { ok: false; instanceId?: string; connectionId?: string; error: KeywayError };

/** A form POST under a link, parsed and authorised. */
interface FormRequest {
  readonly linkScope: LinkScope;
  readonly connection: ConnectionView;
  readonly fields: Record<string, string>;
  readonly browserId: string;
}

/** Verifies a link and loads the instance it was made for. */
async function scope(ctx: ConnectRouteContext, token: string): Promise<LinkScope> {
  const claims = verifyConnectLink(token, { secret: ctx.config.linkSecret, now: ctx.now() });
  const view = await ctx.connect.describeInstance(claims.iid);
  if (!view) {
    throw new KeywayError('KW_LINK_INVALID', {
      message: 'The instance this link was made for no longer exists',
      details: { linkId: claims.lid },
    });
  }
  return { claims, view, base: `/connect/${token}` };
}

function connectionIn(linkScope: LinkScope, connectionId: string): ConnectionView {
  const connection = linkScope.view.connections.find((c) => c.id === connectionId);
  if (!connection || !linkCoversConnection(linkScope.claims, connectionId)) {
    throw new KeywayError('KW_LINK_CONNECTION_NOT_ALLOWED', {
      message: 'This connect link does not cover that connection',
      details: { linkId: linkScope.claims.lid },
    });
  }
  return connection;
}

/** CSRF check: the form's token must be the one derived from this browser's cookie. */
function requireCsrf(config: ServerConfig, request: FastifyRequest, body: Record<string, string>): string {
  const browserId = readBrowserId(request.headers.cookie);
  if (!verifyCsrfToken(browserId, body['_csrf'], config.linkSecret) || browserId === undefined) {
    throw new KeywayError('KW_CSRF_INVALID', {
      message: 'This form has expired or was not sent from the connect page; reload the page and try again',
    });
  }
  return browserId;
}

/** Parses and authorises a form POST under a link; returns the link, the connection and the form fields. */
async function formRequest(ctx: ConnectRouteContext, request: FastifyRequest): Promise<FormRequest> {
  const params = parseRequest(connectionParams, request.params, 'params');
  const body = parseRequest(formBody, request.body ?? {}, 'body');
  const linkScope = await scope(ctx, params.token);
  const connection = connectionIn(linkScope, params.connectionId);
  const browserId = requireCsrf(ctx.config, request, body);
  const { _csrf: _ignored, ...fields } = body;
  return { linkScope, connection, fields, browserId };
}

/** Link token from a flow context, re-verified; undefined when it no longer verifies. */
function claimsOf(ctx: ConnectRouteContext, token: string | undefined): ConnectLinkClaims | undefined {
  if (token === undefined) return undefined;
  try {
    return verifyConnectLink(token, { secret: ctx.config.linkSecret, now: ctx.now() });
  } catch {
    return undefined;
  }
}

/** Where a finished flow goes: popup message, completion URL, or a result page. */
function finish(
  reply: FastifyReply,
  config: ServerConfig,
  claims: ConnectLinkClaims | undefined,
  base: string | undefined,
  outcome: FlowOutcome,
): FastifyReply {
  const facts =
    outcome.instanceId !== undefined && outcome.connectionId !== undefined
      ? { instanceId: outcome.instanceId, connectionId: outcome.connectionId }
      : undefined;
  if (claims?.pop && config.popupOrigin && facts) {
    return sendPopup(reply, config, config.popupOrigin, outcome, facts);
  }
  const target = outcome.ok ? (claims?.ok ?? config.successUrl) : (claims?.fail ?? config.failureUrl);
  const checked = target !== undefined && facts ? checkedCompletionUrl(reply, config, target) : undefined;
  if (checked !== undefined && facts) {
    return reply.redirect(
      completionRedirect(checked, {
        status: outcome.ok ? 'connected' : 'failed',
        ...facts,
        ...(outcome.ok ? {} : { errorCode: outcome.error.code }),
      }),
      303,
    );
  }
  if (!outcome.ok) return sendErrorPage(reply, config, outcome.error, base);
  if (base !== undefined) return reply.redirect(`${base}?notice=connected`, 303);
  const p = pageContext(config);
  return sendHtml(
    reply,
    200,
    p.nonce,
    renderResultPage(p, {
      ok: true,
      title: 'Connected',
      message: 'The connection is ready. You can close this page.',
    }),
  );
}

/** Answers a popup flow with a page that posts the outcome to the opener. */
function sendPopup(
  reply: FastifyReply,
  config: ServerConfig,
  targetOrigin: string,
  outcome: FlowOutcome,
  facts: { instanceId: string; connectionId: string },
): FastifyReply {
  const p = pageContext(config);
  return sendHtml(
    reply,
    200,
    p.nonce,
    renderPopupPage(p, {
      targetOrigin,
      message: {
        type: 'keyway:connect',
        status: outcome.ok ? 'connected' : 'failed',
        instanceId: facts.instanceId,
        connectionId: facts.connectionId,
        ...(outcome.ok ? {} : { error: outcome.error.code }),
      },
      title: outcome.ok ? 'Connected' : 'Not connected',
      text: outcome.ok ? 'The connection is ready.' : customerMessage(outcome.error, config.platformName),
    }),
  );
}

/** The completion URL re-checked at use (the allowed origins may have changed since the link was signed). */
function checkedCompletionUrl(reply: FastifyReply, config: ServerConfig, target: string): string | undefined {
  try {
    return checkCompletionUrl(target, config.allowedRedirectOrigins);
  } catch (error) {
    reply.log.warn({ code: isKeywayError(error) ? error.code : 'unknown' }, 'completion URL refused');
    return undefined;
  }
}

/** `GET /connect/:token`: the connect page, setting the browser cookie on first visit. */
function registerConnectPage(app: FastifyInstance, ctx: ConnectRouteContext): void {
  const { config } = ctx;
  const secure = config.publicBaseUrl.startsWith('https:');
  app.get('/connect/:token', PAGE, async (request, reply) => {
    let linkScope: LinkScope;
    try {
      const params = parseRequest(linkParams, request.params, 'params');
      linkScope = await scope(ctx, params.token);
    } catch (error) {
      return sendErrorPage(reply, config, error);
    }
    let browserId = readBrowserId(request.headers.cookie);
    if (browserId === undefined) {
      browserId = newBrowserId();
      reply.header('set-cookie', browserCookie(browserId, { secure }));
    }
    const query = noticeQuery.safeParse(request.query);
    const notice = query.success && query.data.notice ? NOTICES[query.data.notice] : undefined;
    const csrf = csrfToken(browserId, config.linkSecret);
    const settings = ctx.configVars
      ? await configSection(ctx.configVars, linkScope.claims, { base: linkScope.base, csrf })
      : '';
    const p = pageContext(config);
    return sendHtml(
      reply,
      200,
      p.nonce,
      renderConnectPage(p, linkScope.view, {
        base: linkScope.base,
        csrf,
        connections: linkScope.view.connections.filter((c) => linkCoversConnection(linkScope.claims, c.id)),
        ...(notice ? { notice } : {}),
        settings,
      }),
    );
  });
}

/** `POST …/authorize`: starts an authorization-code flow and sends the browser to the provider. */
function registerAuthorizeForm(app: FastifyInstance, ctx: ConnectRouteContext): void {
  const redirectUri = `${ctx.config.publicBaseUrl}${CALLBACK_PATH}`;
  app.post('/connect/:token/c/:connectionId/authorize', PAGE, async (request, reply) => {
    let base: string | undefined;
    try {
      const { linkScope, connection, browserId, fields } = await formRequest(ctx, request);
      base = linkScope.base;
      // A legacy implicit connection signs in the same way; its answer comes back in the fragment.
      const grant = connection.grantType;
      if (grant !== 'authorization_code' && grant !== 'implicit') {
        throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
          message: `"${connection.label}" does not connect through a provider sign-in page`,
        });
      }
      const { authorizeUrl } = await ctx.connect.startAuthorization({
        connectionId: connection.id,
        browserBinding: browserBinding(browserId),
        redirectUri,
        flow: { linkToken: linkScope.base.slice('/connect/'.length) },
        now: ctx.now(),
        // The environment or subdomain the customer chose, if the card asked (the runtime checks them again).
        choices: credentialValues(connection, fields),
      });
      ctx.metrics.inc('keyway_connect_flows_total', { grant, outcome: 'started' });
      return reply.redirect(authorizeUrl, 303);
    } catch (error) {
      return sendErrorPage(reply, ctx.config, error, base);
    }
  });
}

/** The form fields a card asks for (credentials, choices), refusing a form that leaves a required one empty. */
function credentialValues(
  connection: ConnectionView,
  fields: Record<string, string>,
): Record<string, string> {
  // Only the fields the definition asks for; anything else in the form is ignored, not stored.
  const allowed = new Set(connection.formFields.map((field) => field.key));
  const values = Object.fromEntries(
    Object.entries(fields).filter(([key, value]) => allowed.has(key) && value !== ''),
  );
  const missing = connection.formFields.filter((field) => field.required && values[field.key] === undefined);
  if (missing.length > 0) {
    throw new KeywayError('KW_REQUEST_INVALID', {
      message: `Fill in: ${missing.map((field) => field.label).join(', ')}`,
      details: { issues: missing.map((field) => ({ path: `body.${field.key}`, message: 'required' })) },
    });
  }
  return values;
}

/** `POST …/credentials`: connects a client-credentials or password connection from the form's fields. */
function registerCredentialsForm(app: FastifyInstance, ctx: ConnectRouteContext): void {
  app.post('/connect/:token/c/:connectionId/credentials', PAGE, async (request, reply) => {
    let base: string | undefined;
    try {
      const { linkScope, connection, fields } = await formRequest(ctx, request);
      base = linkScope.base;
      const grant = connection.grantType;
      if (grant !== 'client_credentials' && grant !== 'password') {
        throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
          message: `"${connection.label}" does not take credentials on this page`,
        });
      }
      const values = credentialValues(connection, fields);
      try {
        const input = { connectionId: connection.id, fields: values, now: ctx.now() };
        if (grant === 'client_credentials') await ctx.connect.connectWithClientCredentials(input);
        else await ctx.connect.connectWithPassword(input);
      } catch (error) {
        ctx.metrics.inc('keyway_connect_flows_total', { grant, outcome: 'failed' });
        throw error;
      }
      ctx.metrics.inc('keyway_connect_flows_total', { grant, outcome: 'connected' });
      return finish(reply, ctx.config, linkScope.claims, base, {
        ok: true,
        instanceId: linkScope.view.id,
        connectionId: connection.id,
      });
    } catch (error) {
      return sendErrorPage(reply, ctx.config, error, base);
    }
  });
}

/** `POST …/device` starts a device-code flow; `GET …/device/:sessionId` shows and polls it. */
function registerDeviceRoutes(app: FastifyInstance, ctx: ConnectRouteContext): void {
  app.post('/connect/:token/c/:connectionId/device', PAGE, async (request, reply) => {
    let base: string | undefined;
    try {
      const { linkScope, connection, fields } = await formRequest(ctx, request);
      base = linkScope.base;
      if (connection.grantType !== 'device_code') {
        throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
          message: `"${connection.label}" does not connect with a device code`,
        });
      }
      const device = await ctx.connect.startDeviceAuthorization({
        connectionId: connection.id,
        now: ctx.now(),
        // The environment or subdomain the customer chose, if the card asked (the runtime checks them again).
        choices: credentialValues(connection, fields),
      });
      ctx.metrics.inc('keyway_connect_flows_total', { grant: 'device_code', outcome: 'started' });
      return reply.redirect(
        `${base}/c/${encodeURIComponent(connection.id)}/device/${encodeURIComponent(device.sessionId)}`,
        303,
      );
    } catch (error) {
      return sendErrorPage(reply, ctx.config, error, base);
    }
  });

  app.get('/connect/:token/c/:connectionId/device/:sessionId', PAGE, async (request, reply) => {
    let base: string | undefined;
    try {
      const params = parseRequest(deviceParams, request.params, 'params');
      const linkScope = await scope(ctx, params.token);
      base = linkScope.base;
      return await showDeviceSession(reply, ctx, linkScope, params);
    } catch (error) {
      return sendErrorPage(reply, ctx.config, error, base);
    }
  });
}

/** Polls a device session once: finishes the flow when it is settled, or shows the code page again. */
async function showDeviceSession(
  reply: FastifyReply,
  ctx: ConnectRouteContext,
  linkScope: LinkScope,
  params: { connectionId: string; sessionId: string },
): Promise<FastifyReply> {
  const { base } = linkScope;
  const connection = connectionIn(linkScope, params.connectionId);
  const now = ctx.now();
  const device = await ctx.connect.pollDeviceAuthorization({ sessionId: params.sessionId, now });
  if (device.connectionId !== connection.id) {
    throw new KeywayError('KW_LINK_CONNECTION_NOT_ALLOWED', {
      message: 'This device code belongs to another connection',
    });
  }
  const facts = { instanceId: linkScope.view.id, connectionId: connection.id };
  if (device.status === 'approved') {
    ctx.metrics.inc('keyway_connect_flows_total', { grant: 'device_code', outcome: 'connected' });
    return finish(reply, ctx.config, linkScope.claims, base, { ok: true, ...facts });
  }
  if (device.status === 'denied' || device.status === 'expired' || device.status === 'failed') {
    ctx.metrics.inc('keyway_connect_flows_total', { grant: 'device_code', outcome: device.status });
    return finish(reply, ctx.config, linkScope.claims, base, {
      ok: false,
      ...facts,
      error: deviceFailure(device.status),
    });
  }
  const p = pageContext(ctx.config);
  return sendHtml(reply, 200, p.nonce, renderDevicePage(p, device, { backHref: base, now }));
}

/** The error a device session that ended without connecting shows the customer. */
function deviceFailure(status: 'denied' | 'expired' | 'failed'): KeywayError {
  if (status === 'denied') {
    return new KeywayError('KW_OAUTH_ACCESS_DENIED', { message: 'The request was denied at the provider' });
  }
  if (status === 'expired') {
    return new KeywayError('KW_OAUTH_DEVICE_EXPIRED', {
      message: 'The code expired before it was approved; start again',
    });
  }
  return new KeywayError('KW_DEVICE_SESSION_FAILED', {
    message: 'The sign-in was approved but could not be completed, and nothing was connected; start again',
  });
}

/** `POST …/disconnect`: revokes at the provider where it can, deletes the tokens, says which happened. */
function registerDisconnectForm(app: FastifyInstance, ctx: ConnectRouteContext): void {
  app.post('/connect/:token/c/:connectionId/disconnect', PAGE, async (request, reply) => {
    let base: string | undefined;
    try {
      const { linkScope, connection } = await formRequest(ctx, request);
      base = linkScope.base;
      const { revocation } = await ctx.connect.disconnect({ connectionId: connection.id, now: ctx.now() });
      return reply.redirect(`${base}?notice=${DISCONNECT_NOTICES[revocation]}`, 303);
    } catch (error) {
      return sendErrorPage(reply, ctx.config, error, base);
    }
  });
}

function bindingOf(request: FastifyRequest): string | null {
  const browserId = readBrowserId(request.headers.cookie);
  return browserId === undefined ? null : browserBinding(browserId);
}

/**
 * `GET /oauth/callback`, the one callback of the deployment, and `POST /oauth/callback/fragment`, where its page
 * posts a legacy implicit grant's fragment. The port reports flow failures as values.
 */
function registerCallback(app: FastifyInstance, ctx: ConnectRouteContext): void {
  app.get(CALLBACK_PATH, PAGE, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
    if (answerInFragment(query)) {
      const p = pageContext(ctx.config);
      return sendHtml(reply, 200, p.nonce, renderFragmentPage(p, { action: FRAGMENT_PATH }));
    }
    let outcome;
    try {
      outcome = await ctx.connect.completeAuthorization(query, {
        browserBinding: bindingOf(request),
        now: ctx.now(),
      });
    } catch (error) {
      // The port reports flow failures as values; a throw here is unexpected.
      ctx.metrics.inc('keyway_connect_flows_total', { grant: 'authorization_code', outcome: 'failed' });
      return sendErrorPage(reply, ctx.config, error);
    }
    return finishCallback(reply, ctx, 'authorization_code', outcome);
  });

  // The implicit grant's fragment, posted by the callback page: in a form body, so never in a URL or a log.
  app.post(FRAGMENT_PATH, PAGE, async (request, reply) => {
    let outcome;
    try {
      const { fragment } = parseRequest(fragmentBody, request.body ?? {}, 'body');
      outcome = await ctx.connect.completeImplicit(fragment, {
        browserBinding: bindingOf(request),
        now: ctx.now(),
      });
    } catch (error) {
      ctx.metrics.inc('keyway_connect_flows_total', { grant: 'implicit', outcome: 'failed' });
      return sendErrorPage(reply, ctx.config, error);
    }
    return finishCallback(reply, ctx, 'implicit', outcome);
  });
}

/** Reports a completed callback (code or implicit) the way the flow asked: popup, completion URL or page. */
function finishCallback(
  reply: FastifyReply,
  ctx: ConnectRouteContext,
  grant: 'authorization_code' | 'implicit',
  outcome: CallbackOutcome,
): FastifyReply {
  const claims = claimsOf(ctx, outcome.flow?.linkToken);
  const base = claims && outcome.flow ? `/connect/${outcome.flow.linkToken}` : undefined;
  ctx.metrics.inc('keyway_connect_flows_total', { grant, outcome: outcome.ok ? 'connected' : 'failed' });
  if (outcome.ok) {
    return finish(reply, ctx.config, claims, base, {
      ok: true,
      instanceId: outcome.instanceId,
      connectionId: outcome.connectionId,
    });
  }
  return finish(reply, ctx.config, claims, base, {
    ok: false,
    error: outcome.error,
    ...(outcome.instanceId !== undefined ? { instanceId: outcome.instanceId } : {}),
    ...(outcome.connectionId !== undefined ? { connectionId: outcome.connectionId } : {}),
  });
}

function titleFor(error: KeywayError): string {
  switch (error.code) {
    case 'KW_LINK_EXPIRED':
      return 'This link has expired';
    case 'KW_LINK_INVALID':
    case 'KW_LINK_CONNECTION_NOT_ALLOWED':
      return 'This link is not valid';
    case 'KW_OAUTH_ACCESS_DENIED':
      return 'Access was not granted';
    case 'KW_CSRF_INVALID':
      return 'Please reload the page';
    default:
      return 'Could not connect';
  }
}
