/**
 * The public trigger URLs: `/trigger/<token>` and `/trigger/<token>/<path fragment>`, any method. The body is
 * kept exactly as received (a Buffer, whatever its content type) so a trigger can check a vendor's signature over
 * it, up to `triggerBodyLimit` bytes; the trigger's `response` is the answer. No API key: the token in the URL
 * (and, when the subscription asks for one, the `Api-Key` header) is the credential.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KeywayError } from '../errors';
import type { ServerConfig } from './config';
import { errorBody, setRetryAfter, toKeywayError } from './http';
import type { Metrics } from './metrics';
import type { TriggerApiPort, WebhookRequest } from './api/trigger-port';

/** Response headers a trigger may not set: the server owns framing and length. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'keep-alive',
  'upgrade',
]);

function headersOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value)) out[name] = value.join(', ');
  }
  return out;
}

function queryOf(url: string): Record<string, string> {
  const out: Record<string, string> = {};
  const search = url.indexOf('?');
  if (search === -1) return out;
  for (const [key, value] of new URLSearchParams(url.slice(search + 1))) {
    // The first value of a repeated parameter, as spectral's `queryParameters` holds one string per name.
    if (!Object.hasOwn(out, key)) out[key] = value;
  }
  return out;
}

function webhookRequest(request: FastifyRequest, publicBaseUrl: string): WebhookRequest {
  const params = request.params as { readonly token: string; readonly '*'?: string };
  const fragment = params['*'];
  return {
    token: params.token,
    pathFragment: fragment === undefined || fragment === '' ? '' : `/${fragment}`,
    headers: headersOf(request),
    query: queryOf(request.url),
    body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
    invokeUrl: `${publicBaseUrl}${request.url}`,
  };
}

function sendError(reply: FastifyReply, thrown: unknown): FastifyReply {
  const code = (thrown as { code?: unknown } | null)?.code;
  const { error, status } =
    code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? {
          error: new KeywayError('KW_TRIGGER_BODY_TOO_LARGE', {
            message: 'The request body is larger than this trigger URL accepts',
          }),
          status: 413,
        }
      : toKeywayError(thrown);
  setRetryAfter(reply, error, status);
  return reply.code(status).send(errorBody(error));
}

/** Registers the trigger URLs on `app`, in their own scope (their body parser takes every content type raw). */
export function registerTriggerEndpoint(
  app: FastifyInstance,
  ctx: { readonly config: ServerConfig; readonly triggers: TriggerApiPort; readonly metrics: Metrics },
): void {
  const { config, triggers, metrics } = ctx;
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, next) => next(null, body));
    scope.setErrorHandler((thrown, request, reply) => {
      const { status } = toKeywayError(thrown);
      if (status >= 500)
        request.log.error({ code: (thrown as { code?: unknown }).code }, 'trigger request failed');
      metrics.inc('keyway_trigger_requests_total', { outcome: 'refused' });
      return sendError(reply, thrown);
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const answer = await triggers.handleWebhook(webhookRequest(request, config.publicBaseUrl));
      metrics.inc('keyway_trigger_requests_total', { outcome: 'answered' });
      for (const [name, value] of Object.entries(answer.headers)) {
        if (!RESERVED_HEADERS.has(name.toLowerCase())) void reply.header(name, value);
      }
      return reply.code(answer.statusCode).header('content-type', answer.contentType).send(answer.body);
    };
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
    for (const url of ['/trigger/:token', '/trigger/:token/*']) {
      scope.route({ method: methods, url, bodyLimit: config.triggerBodyLimit, handler });
    }
    done();
  });
}
