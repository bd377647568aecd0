/**
 * Configuration on the connect page: the section listing the config variables the customer chooses (their
 * data sources run once the connections they read through are connected) and the form route that saves a
 * choice, `POST /connect/:token/config/:key`. As for every form under a link: the link is re-verified, the
 * variable's connections must be covered by it, and the CSRF token must match the browser cookie.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { KeywayError } from '../errors';
import { readBrowserId, verifyCsrfToken } from './browser';
import type { ServerConfig } from './config';
import { parseRequest } from './http';
import { linkCoversConnection, verifyConnectLink } from './links';
import type { ConnectLinkClaims } from './links';
import { renderConfigSection } from './pages/connect-config';
import type { SafeHtml } from './pages/html';
import type { ConfigPort, ConfigVarPageView } from './ports';

/** What the configuration routes need. */
export interface ConfigRouteContext {
  readonly config: ServerConfig;
  readonly configVars: ConfigPort;
  readonly now: () => number;
  /** Answers a failure with the error page, linking back to the connect page (`sendErrorPage`). */
  readonly sendError: (reply: FastifyReply, thrown: unknown, backHref?: string) => FastifyReply;
}

const configParams = z.object({
  token: z.string().min(1).max(4096),
  key: z.string().min(1).max(200),
});
/** `value` for a simple type or a picklist; a structured type's form posts named fields (runtime config-var-forms). */
const configForm = z.record(z.string(), z.string().max(10_000));

/** The variables a link may show: those whose connections it covers. */
function covered(claims: ConnectLinkClaims, variables: readonly ConfigVarPageView[]): ConfigVarPageView[] {
  return variables.filter((v) => v.connectionIds.every((id) => linkCoversConnection(claims, id)));
}

/** The connect page's configuration section for the instance a link was made for. */
export async function configSection(
  port: ConfigPort,
  claims: ConnectLinkClaims,
  options: { readonly base: string; readonly csrf: string },
): Promise<SafeHtml | ''> {
  return renderConfigSection(covered(claims, await port.describeConfigVars(claims.iid)), options);
}

/** Registers `POST /connect/:token/config/:key`. */
export function registerConfigRoutes(app: FastifyInstance, ctx: ConfigRouteContext): void {
  const { config } = ctx;
  app.post('/connect/:token/config/:key', { config: { page: true } }, async (request, reply) => {
    let base: string | undefined;
    try {
      const params = parseRequest(configParams, request.params, 'params');
      const claims = verifyConnectLink(params.token, { secret: config.linkSecret, now: ctx.now() });
      base = `/connect/${params.token}`;
      const body = parseRequest(configForm, request.body ?? {}, 'body');
      const browserId = readBrowserId(request.headers.cookie);
      if (browserId === undefined || !verifyCsrfToken(browserId, body['_csrf'], config.linkSecret)) {
        throw new KeywayError('KW_CSRF_INVALID', {
          message:
            'This form has expired or was not sent from the connect page; reload the page and try again',
        });
      }
      // A link limited to some connections offers only the settings read through them.
      if (claims.cids !== undefined) {
        const variables = covered(claims, await ctx.configVars.describeConfigVars(claims.iid));
        if (!variables.some((v) => v.key === params.key)) {
          throw new KeywayError('KW_CONFIG_VAR_INVALID', {
            message: 'This connect link offers no such setting',
            details: { key: params.key },
          });
        }
      }
      const { _csrf: _token, ...fields } = body;
      await ctx.configVars.saveConfigVar({ instanceId: claims.iid, key: params.key, fields });
      return reply.redirect(`${base}?notice=configured`, 303);
    } catch (error) {
      return ctx.sendError(reply, error, base);
    }
  });
}
