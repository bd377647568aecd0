/**
 * spectral's connection value, `{ key, configVarKey, fields, token?, context? }`, as the Prismatic platform
 * hands it to `perform`: the token is the stored token response with every provider extra (`instance_url`, …)
 * plus an absolute `expires_at` (ISO 8601), and the context holds what the provider sent on the callback besides
 * the code and state (`realmId`, `accounts-server`, `shop`, …).
 */
import type { AccessToken, ConnectionValue } from './types';

/**
 * The token a component sees: the provider's response and `expires_at`, the absolute expiry as ISO 8601 (what
 * components compare against the clock; some fetch a token of their own when it is missing). Keyway's own
 * expiry wins over a provider field of the same name, as on the platform. A fresh object: the component may
 * mutate it.
 */
export function platformToken(
  raw: Readonly<Record<string, unknown>>,
  expiresAt: number | undefined,
): Record<string, unknown> {
  return expiresAt === undefined ? { ...raw } : { ...raw, expires_at: new Date(expiresAt).toISOString() };
}

/** A copy of {@link platformToken} for one connection value, from the one the token holds when it has one. */
function tokenForValue(token: AccessToken): Record<string, unknown> {
  return token.platform === undefined ? platformToken(token.raw, token.expiresAt) : { ...token.platform };
}

/** What {@link connectionValue} builds a value from. */
export interface ConnectionValueSource {
  readonly connection: { readonly definitionKey: string; readonly name: string };
  readonly fields: Readonly<Record<string, unknown>>;
  /** The callback's extra parameters, kept with the connection. */
  readonly context: Readonly<Record<string, unknown>>;
}

/**
 * A fresh connection value for one attempt: the component may mutate it, so nothing in it is shared. The
 * definition key is passed unchanged (components compare `connection.key`).
 */
export function connectionValue(
  item: ConnectionValueSource,
  token: AccessToken | undefined,
): ConnectionValue {
  const key = item.connection.definitionKey;
  const configVarKey = item.connection.name;
  const context = { ...item.context };
  // Two literals rather than a conditional spread: one object per value, of one shape per kind.
  return token
    ? { key, configVarKey, fields: { ...item.fields }, token: tokenForValue(token), context }
    : { key, configVarKey, fields: { ...item.fields }, context };
}
