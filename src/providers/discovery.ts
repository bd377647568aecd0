/**
 * Endpoints from the provider's own metadata: a definition that gives an `issuer` may leave its URLs out, and
 * {@link discoverProvider} fills them from the issuer's OpenID Connect or RFC 8414 document, checked against the
 * issuer (src/oauth/discovery.ts) and cached, instead of copying URLs by hand. The runtime does the same for a
 * resolved connection with {@link discoverEndpoints}, so an issuer-only definition connects as it is.
 */
import { KeywayError } from '../errors';
import {
  discover,
  discoveryRequest,
  type DiscoveredServer,
  type DiscoveryKind,
  type GrantOptions,
} from '../oauth';
import type { ResolvedClientConfig } from './resolve';
import { ProviderDefinitionSchema, missingEndpoints, type ProviderDefinition } from './schema';

/** How long discovered metadata is reused before it is fetched again. */
export const DISCOVERY_TTL_MS = 60 * 60 * 1000;

/** A cache of discovered metadata by issuer and document kind. */
export interface DiscoveryCache {
  get(key: string, now: number): DiscoveredServer | undefined;
  set(key: string, server: DiscoveredServer, now: number): void;
}

/** A bounded in-memory {@link DiscoveryCache} whose entries expire after `ttlMs`. */
export function memoryDiscoveryCache(ttlMs = DISCOVERY_TTL_MS, capacity = 500): DiscoveryCache {
  const entries = new Map<string, { server: DiscoveredServer; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry.server;
    },
    set(key, server, now) {
      entries.delete(key);
      if (entries.size >= capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(key, { server, expiresAt: now + ttlMs });
    },
  };
}

const sharedCache = memoryDiscoveryCache();

/** Options for {@link discoverProvider}: I/O for the metadata request, the values for the issuer's slots, a cache. */
export interface DiscoverProviderOptions extends GrantOptions {
  /** Values of the definition's fields (a tenant, a region) that the issuer template names. */
  readonly fieldValues?: Readonly<Record<string, string>>;
  /** Which environment's hosts fill the issuer's slots; the definition's default when unset. */
  readonly environment?: string;
  /** Defaults to one process-wide cache with {@link DISCOVERY_TTL_MS}. */
  readonly cache?: DiscoveryCache;
}

/** The issuer's metadata from `cache`, or fetched (and checked against the issuer) and kept there. */
async function cachedDiscover(
  issuer: string,
  kind: DiscoveryKind | undefined,
  options: GrantOptions & { readonly cache?: DiscoveryCache | undefined },
): Promise<DiscoveredServer> {
  const cache = options.cache ?? sharedCache;
  const now = (options.now ?? Date.now)();
  const cacheKey = `${kind ?? 'any'} ${issuer}`;
  const cached = cache.get(cacheKey, now);
  if (cached !== undefined) return cached;
  const server = await discover(issuer, { ...options, ...(kind !== undefined ? { kind } : {}) });
  cache.set(cacheKey, server, now);
  return server;
}

/** Renders the issuer template from field values and the chosen environment's hosts. */
export function renderIssuer(provider: ProviderDefinition, options: DiscoverProviderOptions = {}): string {
  if (provider.issuer === undefined) {
    throw new KeywayError('KW_PROVIDER_DEFINITION_INVALID', {
      message: `Provider "${provider.key}" has no issuer to discover its endpoints from`,
      details: { provider: provider.key },
    });
  }
  const environment = options.environment ?? provider.environments?.default;
  const hosts =
    environment === undefined ? {} : (provider.environments?.options[environment]?.hosts ?? undefined);
  if (hosts === undefined) {
    throw new KeywayError('KW_PROVIDER_ENVIRONMENT_UNKNOWN', {
      message: `Provider "${provider.key}": environment "${String(environment)}" is not one of: ${Object.keys(provider.environments?.options ?? {}).join(', ')}`,
      details: { provider: provider.key },
    });
  }
  const values: Record<string, string | undefined> = { ...options.fieldValues, ...hosts };
  return provider.issuer.replace(/{{#(\w+)}}/g, (_slot, name: string) => {
    const value = values[name] ?? provider.fields[name]?.default;
    if (value === undefined || value === '') {
      throw new KeywayError('KW_PROVIDER_TEMPLATE_UNRESOLVED', {
        message: `Provider "${provider.key}": the issuer uses {{#${name}}}, but "${name}" has no value; fill in ${name}`,
        details: { provider: provider.key, input: 'issuer', slot: name },
      });
    }
    return value;
  });
}

/**
 * The definition with the endpoints it leaves out filled from its issuer's metadata (URLs it sets itself win),
 * each cited in `sources` with the metadata document it came from. The document's `issuer` must equal the
 * definition's (RFC 8414 §3.3); the result is validated again, and must have every endpoint its grants need.
 *
 * @throws KeywayError `KW_OAUTH_DISCOVERY_FAILED` (bad or foreign metadata, or an endpoint a grant needs is
 *   missing from it), `KW_PROVIDER_TEMPLATE_UNRESOLVED`, `KW_PROVIDER_DEFINITION_INVALID`.
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3
 */
export async function discoverProvider(
  provider: ProviderDefinition,
  options: DiscoverProviderOptions = {},
): Promise<ProviderDefinition> {
  const issuer = renderIssuer(provider, options);
  const server = await cachedDiscover(issuer, provider.discovery, options);
  const document = discoveryRequest(issuer, provider.discovery ?? 'oidc').url;
  const found = {
    authorizeUrl: server.authorizationEndpoint,
    tokenUrl: server.tokenEndpoint,
    revokeUrl: server.revocationEndpoint,
    deviceAuthorizationUrl: server.deviceAuthorizationEndpoint,
    userinfoUrl: server.userinfoEndpoint,
  };
  const filled: ProviderDefinition = { ...provider, sources: { ...provider.sources } };
  for (const [name, url] of Object.entries(found) as [keyof typeof found, string | undefined][]) {
    if (filled[name] !== undefined || url === undefined) continue;
    filled[name] = url;
    filled.sources[name] = document;
  }
  const missing = [...new Set(provider.grantTypes.flatMap((grant) => missingEndpoints(filled, grant)))];
  if (missing.length > 0) {
    throw new KeywayError('KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${issuer} gave no ${missing.join(', ')}, which provider "${provider.key}"'s grants (${provider.grantTypes.join(', ')}) need`,
      details: { provider: provider.key, missing },
    });
  }
  const checked = ProviderDefinitionSchema.safeParse(filled);
  if (!checked.success) {
    throw new KeywayError('KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${issuer} gave endpoints provider "${provider.key}" cannot use`,
      details: { provider: provider.key, issues: checked.error.issues.map((i) => i.path.join('.')) },
    });
  }
  return checked.data;
}

/** The endpoints {@link discoverEndpoints} may fill, by their names in a resolved configuration. */
const DISCOVERABLE = [
  'authorizeUrl',
  'tokenUrl',
  'revokeUrl',
  'deviceAuthorizationUrl',
  'userinfoUrl',
] as const;

/**
 * A resolved connection with the endpoints its grant needs filled from its issuer's metadata: nothing happens
 * when it has no issuer or already has them (no request is made), otherwise every endpoint it leaves empty is
 * taken from the cached, issuer-checked document (RFC 8414 §3.3, OpenID Discovery §4.3). URLs the connection
 * sets itself always win; the filled ones are also written to `fields`, which is what `connection.fields` holds.
 *
 * @throws KeywayError `KW_OAUTH_DISCOVERY_FAILED` when the metadata cannot be read, names another issuer, or
 *   lacks an endpoint the grant needs.
 */
export async function discoverEndpoints(
  config: ResolvedClientConfig,
  options: GrantOptions & { readonly cache?: DiscoveryCache } = {},
): Promise<ResolvedClientConfig> {
  const needed = missingEndpoints(config, config.grantType);
  if (config.issuer === undefined || needed.length === 0) return config;
  const server = await cachedDiscover(config.issuer, config.discovery, options);
  const found: Record<(typeof DISCOVERABLE)[number], string | undefined> = {
    authorizeUrl: server.authorizationEndpoint,
    tokenUrl: server.tokenEndpoint,
    revokeUrl: server.revocationEndpoint,
    deviceAuthorizationUrl: server.deviceAuthorizationEndpoint,
    userinfoUrl: server.userinfoEndpoint,
  };
  const filled: ResolvedClientConfig = { ...config, fields: { ...config.fields } };
  for (const name of DISCOVERABLE) {
    const url = found[name];
    if (filled[name] !== undefined || url === undefined) continue;
    filled[name] = url;
    filled.fields[name] = url;
  }
  const missing = missingEndpoints(filled, config.grantType);
  if (missing.length > 0) {
    throw new KeywayError('KW_OAUTH_DISCOVERY_FAILED', {
      message: `Discovery for ${config.issuer} gave no ${missing.join(', ')}, which connection "${config.connectionKey}" (${config.grantType}) needs`,
      details: { connection: config.connectionKey, missing },
    });
  }
  return filled;
}
