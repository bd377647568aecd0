/**
 * From a stored connection to what the OAuth engine needs: the connection's definition in its component, the
 * resolved client configuration (src/providers/resolve.ts), the authorization server, the client and the quirks.
 */
import { KeywayError } from '../errors';
import { discoverEndpoints, resolveConnection } from '../providers';
import type { ResolvedClientConfig } from '../providers';
import { clientAuthFor, httpTransport } from '../oauth';
import type { AuthorizationServer, GrantOptions, OAuthClient, Transport } from '../oauth';
import type { Connection, Store } from '../store';
import type { ComponentRegistry } from './components';
import { connectionFieldValues } from './instances';
import type { LoadedComponent, WireConnection } from './types';

/** A connection with everything needed to talk to its provider. Holds secrets: never log it. */
export interface ResolvedClient {
  readonly connection: Connection;
  readonly definition: WireConnection;
  readonly config: ResolvedClientConfig;
  readonly server: AuthorizationServer;
  readonly client: OAuthClient;
  /** Provider quirks and I/O for the engine's grant functions. */
  readonly grantOptions: GrantOptions;
}

/** I/O the connect flows and credential code inject into the OAuth engine. */
export interface OAuthIo {
  readonly transport?: Transport;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Loads a connection or fails with KW_STORE_NOT_FOUND naming it. */
export async function requireConnection(store: Store, connectionId: string): Promise<Connection> {
  const connection = await store.getConnection(connectionId);
  if (!connection) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Connection "${connectionId}" does not exist`,
      details: { connectionId },
    });
  }
  return connection;
}

/** The connection's definition in its component; KW_CONNECTION_INVALID when the component no longer has it. */
export async function definitionOf(
  components: ComponentRegistry,
  connection: Connection,
): Promise<WireConnection> {
  const component = await components.get(connection.componentKey);
  const definition = component.connections.get(connection.definitionKey);
  if (!definition) {
    throw new KeywayError('KW_CONNECTION_INVALID', {
      message: `Connection "${connection.name}" is bound to definition "${connection.definitionKey}", which component "${component.key}" does not have`,
      details: { connectionId: connection.id },
    });
  }
  return definition;
}

/**
 * Resolves a stored connection for the OAuth engine. `extraValues` are merged over the stored field values for
 * this one call (e.g. the resource owner's username and password, which are never stored).
 */
export async function resolveClient(
  deps: { readonly store: Store; readonly components: ComponentRegistry } & OAuthIo,
  connectionOrId: Connection | string,
  extraValues: Readonly<Record<string, string>> = {},
): Promise<ResolvedClient> {
  const connection =
    typeof connectionOrId === 'string' ? await requireConnection(deps.store, connectionOrId) : connectionOrId;
  const definition = await definitionOf(deps.components, connection);
  const resolved = resolveConnection(definition, { ...connectionFieldValues(connection), ...extraValues });
  // An issuer-only definition: its endpoints come from the issuer's metadata (cached, checked against it).
  const config = await discoverEndpoints(resolved, {
    ...(deps.transport ? { transport: deps.transport } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
  });
  const server: AuthorizationServer = {
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
    authorizationEndpoint: config.authorizeUrl,
    tokenEndpoint: config.tokenUrl,
    revocationEndpoint: config.revokeUrl,
    deviceAuthorizationEndpoint: config.deviceAuthorizationUrl,
    userinfoEndpoint: config.userinfoUrl,
  };
  const client: OAuthClient = {
    clientId: config.clientId,
    auth: clientAuthFor(config.clientAuthMethod, config.clientSecret),
  };
  const okField = config.tokenResponse.errorInOkBody?.okField;
  const baseTransport = deps.transport ?? httpTransport;
  const headers = config.extraTokenHeaders;
  // Extra headers are a provider quirk (data); adding them in the transport keeps the engine unaware of them.
  const transport: Transport =
    Object.keys(headers).length === 0
      ? baseTransport
      : (request, options) =>
          baseTransport({ ...request, headers: { ...lower(headers), ...request.headers } }, options);
  const grantOptions: GrantOptions = {
    transport,
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
    scopeSeparator: config.scopeSeparator,
    extraAuthorizeParams: config.extraAuthorizeParams,
    extraTokenParams: config.extraTokenParams,
    extraTokenHeaders: config.extraTokenHeaders,
    tokenRequestFormat: config.tokenRequestFormat,
    scopeParam: config.scopeParam,
    errorCodes: config.tokenResponse.errorCodes,
    allowImplicit: config.allowImplicit,
    ...(config.tokenResponse.tokenPath ? { tokenPath: config.tokenResponse.tokenPath } : {}),
    ...(okField ? { errorInOkBody: { okField } } : {}),
  };
  return { connection, definition, config, server, client, grantOptions };
}

/** How many resolved connections a {@link cachedClientResolver} keeps. */
const RESOLVED_CACHE_SIZE = 1000;

/**
 * {@link resolveClient} with its result kept per (definition, component bundle hash, field values): resolving
 * parses and validates the whole definition, which is the same work for every connection with the same fields
 * (many customers' connections share one platform app: same client id, secret and URLs) and on every call
 * until the fields or secret fields, or the component's code, change. Token writes (a refresh, a reconnect)
 * bump the row version but leave all of those alone, so they keep the entry. Nothing else in a resolved client
 * depends on the row, and the cached result is handed out with the row it was asked for, never another one.
 * Bounded; least recently used out. Holds client secrets in memory, as the resolved client itself does.
 */
export function cachedClientResolver(
  deps: { readonly store: Store; readonly components: ComponentRegistry } & OAuthIo,
  capacity = RESOLVED_CACHE_SIZE,
): (connection: Connection) => Promise<ResolvedClient> {
  const cache = new Map<string, ResolvedClient>();
  // A frozen row (a cached instance snapshot) cannot change: its result is kept with it, checked against the
  // component's bundle only.
  const byRow = new WeakMap<Connection, { readonly bundleHash: string; readonly resolved: ResolvedClient }>();
  return async (connection) => {
    const component = await deps.components.get(connection.componentKey);
    const known = byRow.get(connection);
    if (known !== undefined && known.bundleHash === component.bundleHash) return known.resolved;
    const resolved = await lookup(connection, component);
    if (Object.isFrozen(connection)) byRow.set(connection, { bundleHash: component.bundleHash, resolved });
    return resolved;
  };

  async function lookup(connection: Connection, component: LoadedComponent): Promise<ResolvedClient> {
    const key = [
      connection.definitionKey,
      component.key,
      component.bundleHash,
      JSON.stringify(connectionFieldValues(connection)),
    ].join('\n');
    const hit = cache.get(key);
    if (hit) {
      // Re-inserting moves it to the end: Map iteration order is the eviction order.
      cache.delete(key);
      cache.set(key, hit);
      return hit.connection === connection ? hit : { ...hit, connection };
    }
    const resolved = await resolveClient(deps, connection);
    if (cache.size >= capacity) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(key, resolved);
    return resolved;
  }
}

function lower(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
