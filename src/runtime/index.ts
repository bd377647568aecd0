/**
 * The runtime's public surface: loading component bundles, instances, running actions, connect flows and
 * credentials.
 */
export type * from './types';
export { stateScopes } from './types';
export {
  ComponentBundleSchema,
  componentFromExports,
  loadComponentFromBytes,
  loadComponentFromPath,
} from './loader';
export type { LoadOptions } from './loader';
export { ComponentRegistry } from './components';
export { assertConnectable, checkConnection, checkConnections } from './connectability';
export type { ConnectionCheck, RequiredValue } from './connectability';
export { NewInstanceSpecSchema, createInstance, connectionFieldValues, grantTypeOf } from './instances';
export type { CreatedInstance, NewInstanceSpec, PlatformConnectionDefaults } from './instances';
export {
  OAuthAppSpecSchema,
  oauthAppValues,
  oauthAppView,
  registerOAuthApp,
  removeOAuthApp,
} from './oauth-apps';
export type { OAuthAppSpec, OAuthAppView } from './oauth-apps';
export {
  ProviderOAuthAppSpecSchema,
  providerOAuthAppView,
  registerProviderOAuthApp,
  removeProviderOAuthApp,
} from './provider-oauth-apps';
export type {
  ProviderLookup,
  ProviderOAuthAppDeps,
  ProviderOAuthAppSpec,
  ProviderOAuthAppView,
} from './provider-oauth-apps';
export { inheritedApp, providerKeyOf } from './app-values';
export { checkChoices, chosenValues, connectChoices } from './connect-choices';
export type { ConnectChoice } from './connect-choices';
export type { InheritedApp } from './app-values';
export { createActionContext, createCollectingLogger } from './context';
export type { ActionLogger, CollectingLogger, ContextIdentity } from './context';
export {
  buildActionParams,
  buildConnectionFields,
  connectionInputKeys,
  renderTemplates,
  toPlatformValue,
} from './inputs';
export { isSpectralConnectionError, isUnauthorized, runAction, thrownMessage } from './run-action';
export type { RunActionDeps, RunActionRequest, RunActionResult } from './run-action';
export { dataSourceOf, runDataSource } from './run-data-source';
export { CONFIGURABLE_TYPES, ConfigVarSpecSchema, configVarSpecs } from './config-var-spec';
export type { ConfigVarSpec, ConfigurableType } from './config-var-spec';
export { describeConfigVars, saveConfigVar } from './config-vars';
export type { ConfigVarChoice, ConfigVarDeps, ConfigVarView } from './config-vars';
export { STRUCTURED_TYPES } from './config-var-forms';
export type {
  FormFields,
  JsonFormField,
  JsonFormForm,
  ObjectFieldMapForm,
  ObjectSelectionForm,
  StructuredForm,
} from './config-var-forms';
export type { DataSourceRun, RunDataSourceDeps, RunDataSourceRequest } from './run-data-source';
export {
  checkDataSourceResult,
  dataSourceTypes,
  isDataSourceType,
  picklistChoices,
} from './data-source-result';
export type { Choice, DataSourceResult, DataSourceType } from './data-source-result';
export { requireConnection, resolveClient, definitionOf } from './client-config';
export type { OAuthIo, ResolvedClient } from './client-config';
export { AUTH_SESSION_TTL_MS, ConnectFlows, tokenFacts } from './connect';
export { findConnection, findCustomer, findInstance, lookupCustomer } from './lookup';
export type { CallbackResult, CompletedAuthorization } from './callback';
export type {
  Activation,
  CompleteOptions,
  ConnectDeps,
  DevicePollOutcome,
  DisconnectResult,
  RevocationOutcome,
  Choices,
  StartAuthorizationInput,
  StartDeviceOptions,
  StartedAuthorization,
  StartedDeviceAuthorization,
  TokenFacts,
} from './connect';
export {
  CredentialManager,
  DEFAULT_REFRESH_BACKOFF,
  DEFAULT_REFRESH_MARGIN_MS,
  refreshSchedule,
} from './credentials';
export type {
  ClientResolver,
  CredentialManagerOptions,
  CredentialManagerSettings,
  RefreshBackoff,
  RefreshOutcome,
} from './credentials';
export { startHeartbeat } from './heartbeat';
export type { Heartbeat, HeartbeatOptions } from './heartbeat';
export { startRefresher } from './refresher';
export type { Refresher, RefresherOptions, RefresherPass } from './refresher';
export { connectionEvent, connectionEventTypes } from './events';
export type { ConnectionEventError, ConnectionEventType } from './events';
export {
  DEFAULT_WEBHOOK_TOLERANCE_MS,
  SIGNATURE_HEADER,
  WEBHOOK_DELIVERY_EVENT,
  WebhookEndpointSchema,
  WebhookEndpointsSchema,
  parseWebhookEndpoints,
  postWebhook,
  signWebhook,
  startWebhookDelivery,
  verifyWebhook,
} from './webhooks';
export {
  NewWebhookEndpointSchema,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  testWebhookEndpoint,
} from './webhook-endpoints';
export type {
  NewWebhookEndpointInput,
  WebhookEndpointDeps,
  WebhookEndpointListing,
  WebhookTestResult,
} from './webhook-endpoints';
export type {
  VerifyWebhookOptions,
  WebhookBody,
  WebhookDelivery,
  WebhookDeliveryOptions,
  WebhookEndpoint,
  WebhookPass,
  WebhookRetryPolicy,
} from './webhooks';
export { Triggers, backoffMs, isPollingTrigger } from './subscriptions';
export type { EnableTriggerRequest, TriggersDeps } from './subscriptions';
export { TRIGGER_PATH, WebhookDirectory, triggerUrl, webhookUrlsOf } from './webhook-directory';
export type { WebhookUrls } from './webhook-directory';
export type { WebhookRequest, WebhookResponse } from './trigger-payload';
export { triggerEventTypes } from './trigger-run';
export type { TriggerOutcome } from './trigger-run';
export { startPoller } from './poller';
export type { PollerOptions, PollerPass } from './poller';
export { parseSchedule } from './schedule';
export type { ScheduleInput } from './schedule';
