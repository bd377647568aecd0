/**
 * The tables as kysely sees them. JSON is stored as text and timestamps as 64-bit integers on both
 * engines, so one query layer reads both the same way; rows are parsed with zod on the way out.
 */
/** A 64-bit integer column: PostgreSQL's driver returns `bigint` as a string. */
type Int64 = number | string;

export interface MetaTable {
  key: string;
  value: string;
}

export interface CustomersTable {
  id: string;
  external_id: string | null;
  name: string;
  created_at: Int64;
  updated_at: Int64;
}

export interface InstancesTable {
  id: string;
  customer_id: string;
  name: string;
  component_keys: string;
  config: string;
  /** JSON array of config variable declarations (migration 0011_h7). */
  config_vars: string;
  status: string;
  created_at: Int64;
  updated_at: Int64;
}

export interface ConnectionsTable {
  id: string;
  instance_id: string;
  name: string;
  component_key: string;
  definition_key: string;
  grant_type: string;
  fields: string;
  /** Encrypted JSON. */
  secret_fields: string;
  /** Encrypted JSON. */
  token_set: string | null;
  /** Encrypted JSON of the callback's extra parameters; NULL when there are none (connection-context.ts). */
  context: string | null;
  expires_at: Int64 | null;
  refresh_at: Int64 | null;
  scopes: string;
  status: string;
  last_error: string | null;
  version: Int64;
  refresh_failures: Int64;
  cooldown_until: Int64 | null;
  lease_owner: string | null;
  lease_until: Int64 | null;
  created_at: Int64;
  updated_at: Int64;
  connected_at: Int64 | null;
}

export interface AuthSessionsTable {
  state: string;
  connection_id: string;
  /** Encrypted. */
  code_verifier: string | null;
  browser_binding: string | null;
  redirect_uri: string;
  return_to: string | null;
  nonce: string | null;
  scopes: string;
  extra: string;
  created_at: Int64;
  expires_at: Int64;
  consumed_at: Int64 | null;
}

export interface DeviceSessionsTable {
  id: string;
  connection_id: string;
  /** Encrypted. */
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string | null;
  interval_ms: Int64;
  next_poll_at: Int64;
  expires_at: Int64;
  status: string;
  created_at: Int64;
  completed_at: Int64 | null;
  /** JSON of the customer's choices; NULL when none. */
  choices: string | null;
}

export interface ComponentsTable {
  key: string;
  version: Int64;
  bundle_hash: string;
  manifest: string;
  bundle_path: string | null;
  bundle: Uint8Array | null;
  published_at: Int64;
}

export interface InstanceStateTable {
  instance_id: string;
  scope: string;
  key: string;
  value: string;
  updated_at: Int64;
}

export interface OutboxEventsTable {
  id: string;
  type: string;
  payload: string;
  instance_id: string | null;
  connection_id: string | null;
  status: string;
  attempts: Int64;
  next_attempt_at: Int64;
  lease_owner: string | null;
  lease_until: Int64 | null;
  last_error: string | null;
  created_at: Int64;
  delivered_at: Int64 | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string;
  created_at: Int64;
  last_used_at: Int64 | null;
  revoked_at: Int64 | null;
}

export interface ExecutionsTable {
  id: string;
  instance_id: string;
  component_key: string;
  action_key: string;
  status: string;
  started_at: Int64;
  finished_at: Int64 | null;
  duration_ms: Int64 | null;
  error_code: string | null;
  error_message: string | null;
  log: string;
}

export interface LocksTable {
  name: string;
  owner: string;
  expires_at: Int64;
}

/** One process's heartbeat: the key ids it holds, until `expires_at` (see ./replicas). */
export interface ReplicasTable {
  id: string;
  label: string;
  key_ids: string;
  primary_key_id: string;
  seen_at: Int64;
  expires_at: Int64;
}

/** A refresh request in flight for a connection (see ./refresh-markers). */
export interface RefreshMarkersTable {
  connection_id: string;
  grant_fingerprint: string;
  owner: string;
  started_at: Int64;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** Encrypted. */
  secret: string;
  /** JSON array of event types, or null for all. */
  events: string | null;
  created_at: Int64;
}

export interface AuditLogTable {
  id: string;
  at: Int64;
  actor_key_id: string;
  actor_name: string;
  action: string;
  target: string | null;
  status: Int64;
}

export interface TriggerSubscriptionsTable {
  id: string;
  instance_id: string;
  component_key: string;
  trigger_key: string;
  name: string;
  kind: string;
  status: string;
  /** JSON object. */
  inputs: string;
  /** JSON object: connection input key → connection name. */
  connections: string;
  /** Encrypted. */
  webhook_token: string | null;
  /** SHA-256 (hex) of the webhook token, for lookup. */
  webhook_token_hash: string | null;
  /** Encrypted. */
  api_key: string | null;
  /** JSON, or null for webhook triggers. */
  schedule: string | null;
  next_run_at: Int64 | null;
  failures: Int64;
  /** JSON `{ code, message, at }`. */
  last_error: string | null;
  last_run_at: Int64 | null;
  lease_owner: string | null;
  lease_until: Int64 | null;
  created_at: Int64;
  updated_at: Int64;
}

/** A platform's OAuth app for one connection definition of a component (see ./oauth-apps). */
export interface OAuthAppsTable {
  /** `<component key>/<definition key>`. */
  id: string;
  component_key: string;
  definition_key: string;
  /** JSON object of the values that are not secret (client id, URL overrides, scopes). */
  fields: string;
  /** Encrypted JSON object of the secret values (client secret). */
  secret_fields: string;
  created_at: Int64;
  updated_at: Int64;
}

/** A platform's OAuth app for one catalog provider (see ./provider-oauth-apps). */
export interface ProviderOAuthAppsTable {
  /** The provider's key. */
  id: string;
  /** JSON object of the values that are not secret (client id, scopes, environment). */
  fields: string;
  /** Encrypted JSON object of the secret values (client secret). */
  secret_fields: string;
  created_at: Int64;
  updated_at: Int64;
}

export interface Database {
  meta: MetaTable;
  customers: CustomersTable;
  instances: InstancesTable;
  connections: ConnectionsTable;
  auth_sessions: AuthSessionsTable;
  device_sessions: DeviceSessionsTable;
  components: ComponentsTable;
  instance_state: InstanceStateTable;
  outbox_events: OutboxEventsTable;
  api_keys: ApiKeysTable;
  executions: ExecutionsTable;
  locks: LocksTable;
  replicas: ReplicasTable;
  refresh_markers: RefreshMarkersTable;
  webhook_endpoints: WebhookEndpointsTable;
  audit_log: AuditLogTable;
  trigger_subscriptions: TriggerSubscriptionsTable;
  oauth_apps: OAuthAppsTable;
  provider_oauth_apps: ProviderOAuthAppsTable;
}
