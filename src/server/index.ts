/**
 * The HTTP layer's public surface: `buildApp` (a fastify app that never listens by itself), its configuration,
 * the runtime-backed services it is wired with, connect-link signing, and the metrics registry.
 */
export { buildApp, buildMetricsApp, loggableUrl, routesOf } from './app';
export type { RouteSummary, ServerDeps } from './app';
export { ServerConfigSchema, parseServerConfig } from './config';
export type { ServerConfig, ServerConfigInput } from './config';
export { signConnectLink, verifyConnectLink, linkCoversConnection, ConnectLinkClaimsSchema } from './links';
export type { ConnectLinkClaims, ConnectLinkRequest, SignedConnectLink } from './links';
export { BROWSER_COOKIE, browserBinding, csrfToken, verifyCsrfToken } from './browser';
export { checkCompletionUrl, completionRedirect } from './redirects';
export { Metrics, METRIC_HELP } from './metrics';
export type { MetricName } from './metrics';
export { escapeHtml, html } from './pages/html';
export { createRuntimeServices } from './runtime-services';
export { storeReadiness } from './readiness';
export type { StoreReadinessOptions } from './readiness';
export type { RuntimeServices, RuntimeServicesDeps } from './runtime-services';
export { API_SCOPES, isKnownScope, scopeAllows } from './api/routes';
export { openApiDocument } from './api/openapi';
export type * from './ports';
export type * from './api/types';
export { CALLBACK_PATH } from './connect-routes';
export { CreateCustomerBodySchema, UpdateInstanceBodySchema } from './api/schemas';
