/**
 * Builds Keyway's HTTP app: connect pages, the OAuth callback, the REST API, health, readiness and metrics.
 * The app is returned without listening, so tests drive it with `inject` and the CLI decides where it listens.
 */
import type * as Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { KeywayError } from '../errors';
import { redactText } from '../redact';
import type { ApiPort } from './api/types';
import { registerApiRoutes } from './api/routes';
import { parseServerConfig } from './config';
import type { ServerConfig, ServerConfigInput } from './config';
import { registerConnectRoutes, sendErrorPage } from './connect-routes';
import { registerEdgeGuard } from './edge-guard';
import { errorBody, logServerError, setRetryAfter, toKeywayError } from './http';
import { Metrics } from './metrics';
import type { TriggerApiPort } from './api/trigger-port';
import { registerTriggerEndpoint } from './trigger-endpoint';
import type { ApiKeyPort, ConfigPort, ConnectPort, ReadinessPort } from './ports';
import { registerConfigRoutes } from './connect-config';

/** Everything the app calls into; see ./ports.ts. */
export interface ServerDeps {
  readonly connect: ConnectPort;
  /** Config variables chosen on the connect page; without it the page shows no settings. */
  readonly configVars?: ConfigPort;
  /** The REST API's operations; without it (and `apiKeys`) `/api` answers 404. */
  readonly api?: ApiPort;
  readonly apiKeys?: ApiKeyPort;
  /** Trigger subscriptions, events and the public trigger URLs; without it those routes answer 404. */
  readonly triggers?: TriggerApiPort;
  readonly readiness?: ReadinessPort;
  /** A pino logger (with redaction configured); logging is off when omitted. */
  readonly logger?: FastifyBaseLogger;
  readonly metrics?: Metrics;
  /** Clock, injected so tests control link expiry and flow lifetimes. */
  readonly now?: () => number;
}

/** One route of an app, as {@link routesOf} lists it. */
export interface RouteSummary {
  readonly method: string;
  readonly url: string;
}

const appRoutes = new WeakMap<FastifyInstance, RouteSummary[]>();

/**
 * Every route `app` serves (method and URL pattern, `HEAD` included), in registration order: the fuzz test
 * walks them, so a route added anywhere is covered without being named.
 */
export function routesOf(app: FastifyInstance): readonly RouteSummary[] {
  return appRoutes.get(app) ?? [];
}

/** Form bodies larger than this are refused; a connect form is a few hundred bytes. */
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * The URL as logs may show it: query secrets (`code=`), trigger tokens (`/trigger/[REDACTED]`, by `redactText`) and
 * connect-link tokens (bearer credentials for one instance's connections) replaced.
 */
export function loggableUrl(url: string): string {
  return redactText(url).replace(/\/connect\/[^/?#]+/, '/connect/[link]');
}

/**
 * fastify, loaded by the first {@link buildApp} rather than with this module: the CLI's commands other than
 * `serve` and `start`, and programs using Keyway as a library without its HTTP layer, never load it (56–101 ms
 * to require here).
 */
function loadFastify(): typeof Fastify {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('fastify') as typeof Fastify;
}

/**
 * `GET /metrics` in Prometheus text format; with `token`, only for `Authorization: Bearer <token>` (compared in
 * constant time), anything else `KW_API_UNAUTHORIZED`.
 */
function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token?: string): void {
  const expected = token === undefined ? undefined : digest(token);
  app.get('/metrics', async (request, reply) => {
    if (expected !== undefined) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new KeywayError('KW_API_UNAUTHORIZED', {
          message: 'Metrics need the metrics token: send "Authorization: Bearer <KEYWAY_METRICS_TOKEN>"',
        });
      }
    }
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * A second app that serves only `GET /metrics` and `GET /healthz`, without a token, for a listen address that
 * only the monitoring network reaches (`KEYWAY_METRICS_LISTEN`); never listens by itself.
 */
export function buildMetricsApp(metrics: Metrics): FastifyInstance {
  const { fastify } = loadFastify();
  const app = fastify({ logger: false }) as unknown as FastifyInstance;
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  registerMetricsRoute(app, metrics);
  return app;
}

/** Builds the fastify app. Throws `KW_CONFIG_INVALID` when `config` is invalid. */
export function buildApp(deps: ServerDeps, configInput: ServerConfigInput | ServerConfig): FastifyInstance {
  const config = parseServerConfig(configInput);
  const metrics = deps.metrics ?? new Metrics();
  const now = deps.now ?? Date.now;
  const { fastify, LogController } = loadFastify();
  const app = fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    trustProxy: false,
    // Route params carry link tokens; a long URL is a broken or hostile one.
    routerOptions: { maxParamLength: 2048 },
    bodyLimit: 1024 * 1024,
    // fastify's own request lines would log the raw URL (with `code=` and link tokens); ours is redacted.
    logController: new LogController({ disableRequestLogging: true }),
    // A URL the router cannot decode (`%FF`) is refused before any route: still in the one error shape.
    frameworkErrors: (thrown: unknown, _request: FastifyRequest, reply: FastifyReply) => {
      const { error, status } = toKeywayError(thrown);
      void reply.code(status).send(errorBody(error));
    },
  }) as unknown as FastifyInstance;
  const routes: RouteSummary[] = [];
  appRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  registerEdgeGuard(app);

  // One request log line per response, with the URL redacted before it is written.
  app.addHook('onResponse', (request: FastifyRequest, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.inc('keyway_http_requests_total', {
      method: request.method,
      route,
      status: `${Math.floor(reply.statusCode / 100)}xx`,
    });
    request.log.info(
      {
        method: request.method,
        url: loggableUrl(request.url),
        status: reply.statusCode,
        ms: reply.elapsedTime,
      },
      'request',
    );
    done();
  });

  // The one JSON parser of every route: fastify's own (prototype poisoning refused), except that an empty body
  // is no body. `curl -H 'content-type: application/json'` and generated clients send the header with nothing
  // after it; a route whose body is optional takes that as none, and one that needs a body answers its own
  // KW_REQUEST_INVALID naming the missing fields (see parseInput in ./api/route), not fastify's message.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    void parseJson(request, text, done);
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      // Flat string map; a repeated field is refused rather than guessed at.
      const params = new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'));
      const out: Record<string, string> = {};
      for (const [key, value] of params) {
        if (Object.prototype.hasOwnProperty.call(out, key)) {
          done(
            Object.assign(new Error(`The form field "${key}" appears twice`), { statusCode: 400 }),
            undefined,
          );
          return;
        }
        out[key] = value;
      }
      done(null, out);
    },
  );

  app.setErrorHandler((thrown, request, reply) => {
    // A page route's request refused before its handler ran (edge guard, form parser) still gets a page.
    if (request.routeOptions.config.page === true) return sendErrorPage(reply, config, thrown);
    const { error, status } = toKeywayError(thrown);
    if (status >= 500) logServerError(request.log, thrown, error, 'request failed');
    setRetryAfter(reply, error, status);
    return reply.code(status).send(errorBody(error));
  });

  app.setNotFoundHandler((request, reply) => {
    const { error } = toKeywayError(Object.assign(new Error('not found'), { statusCode: 404 }));
    return reply.code(404).send({
      error: { ...errorBody(error).error, message: `No route ${request.method} ${loggableUrl(request.url)}` },
    });
  });

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = deps.readiness ? await deps.readiness.check() : { ready: true };
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not_ready', ...result });
  });
  if (config.metricsToken !== undefined) registerMetricsRoute(app, metrics, config.metricsToken);

  registerConnectRoutes(app, {
    config,
    connect: deps.connect,
    metrics,
    now,
    ...(deps.configVars ? { configVars: deps.configVars } : {}),
  });
  if (deps.configVars) {
    registerConfigRoutes(app, {
      config,
      configVars: deps.configVars,
      now,
      sendError: (reply, thrown, backHref) => sendErrorPage(reply, config, thrown, backHref),
    });
  }
  if (deps.api && deps.apiKeys) {
    registerApiRoutes(app, {
      config,
      api: deps.api,
      apiKeys: deps.apiKeys,
      metrics,
      now,
      triggers: deps.triggers,
    });
  }
  if (deps.triggers) registerTriggerEndpoint(app, { config, triggers: deps.triggers, metrics });
  return app;
}
