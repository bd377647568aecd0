/**
 * The store's platform-administration surface ({@link Store.admin}): paginated listings for the REST API,
 * webhook endpoints kept as rows (so every replica sees a change without a restart) and the audit log of
 * every change a platform makes through the API.
 */
import type {
  ApiKey,
  Connection,
  ConnectionStatus,
  Customer,
  EpochMs,
  Execution,
  ExecutionStatus,
  Instance,
} from './types';

/** Where a page ends: the sort key and id of its last row. Callers treat it as opaque. */
export interface PageCursor {
  readonly at: EpochMs;
  readonly id: string;
}

/** One page to read: at most `limit` rows after `after` (from the start when omitted). */
export interface PageRequest {
  readonly limit: number;
  readonly after?: PageCursor | undefined;
}

/** A page of rows and where the next one starts (`null` on the last page). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly next: PageCursor | null;
}

/** One published version of a component, without its bundle. */
export interface ComponentVersion {
  readonly key: string;
  readonly version: number;
  readonly bundleHash: string;
  readonly publishedAt: EpochMs;
}

/** Filter for {@link AdminStore.executionsPage}. */
export interface ExecutionPageFilter {
  readonly instanceId?: string | undefined;
  readonly status?: ExecutionStatus | undefined;
}

/** A webhook receiver stored as a row; `secret` is encrypted at rest and decrypted on read. */
export interface StoredWebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  /** Event types to send; all when null. */
  readonly events: readonly string[] | null;
  readonly createdAt: EpochMs;
}

/** Input to {@link AdminStore.createWebhookEndpoint}. */
export interface NewWebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly events?: readonly string[] | null;
}

/** One change a platform made: who (API key), what, when. Never holds a secret. */
export interface AuditEntry {
  readonly id: string;
  readonly at: EpochMs;
  /** The API key that made the change; `cli` for a change made with the `keyway` command line. */
  readonly actorKeyId: string;
  /** The API key's name; `cli:<operating-system user>` for the command line. */
  readonly actorName: string;
  /** e.g. `POST /api/customers`. */
  readonly action: string;
  /** The resource changed (its id, else its keys), when there is one. */
  readonly target: string | null;
  /** The response status. */
  readonly status: number;
}

/** Input to {@link AdminStore.appendAudit}. */
export interface NewAuditEntry {
  readonly actorKeyId: string;
  readonly actorName: string;
  readonly action: string;
  readonly target: string | null;
  readonly status: number;
}

/** Paginated reads, stored webhook endpoints and the audit log; see {@link Store.admin}. */
export interface AdminStore {
  /** Oldest first. */
  customersPage(page: PageRequest): Promise<Page<Customer>>;
  /** Oldest first. */
  instancesPage(
    filter: { readonly customerId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<Instance>>;
  /** Oldest first. */
  connectionsPage(
    filter: { readonly instanceId?: string | undefined; readonly status?: ConnectionStatus | undefined },
    page: PageRequest,
  ): Promise<Page<Connection>>;
  /** Newest first; includes this process's records still waiting to be written. */
  executionsPage(filter: ExecutionPageFilter, page: PageRequest): Promise<Page<Execution>>;
  /** Oldest first. */
  apiKeysPage(page: PageRequest): Promise<Page<ApiKey>>;
  /** Every version of a component, oldest first (the cursor's `at` is the version). */
  componentVersionsPage(key: string, page: PageRequest): Promise<Page<ComponentVersion>>;

  /** `KW_STORE_CONFLICT` when the id exists. */
  createWebhookEndpoint(input: NewWebhookEndpoint): Promise<StoredWebhookEndpoint>;
  getWebhookEndpoint(id: string): Promise<StoredWebhookEndpoint | undefined>;
  /** Every stored endpoint, oldest first: what the delivery worker sends to. */
  listWebhookEndpoints(): Promise<StoredWebhookEndpoint[]>;
  /** `KW_STORE_NOT_FOUND` when there is no such endpoint. */
  deleteWebhookEndpoint(id: string): Promise<void>;

  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  auditPage(page: PageRequest): Promise<Page<AuditEntry>>;
}
