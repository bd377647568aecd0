/** API keys of the REST API. See {@link Store} in ./types. */
import type { EpochMs } from './types';

/** An API key's stored form. Only a hash of the secret is kept. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** Public, non-secret part of the key used to find it (`kw_<prefix>_...`). */
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdAt: EpochMs;
  readonly lastUsedAt: EpochMs | null;
  readonly revokedAt: EpochMs | null;
}

/** Input to {@link Store.createApiKey}. */
export interface NewApiKey {
  readonly name: string;
  readonly scopes: readonly string[];
}

/** Returned once by {@link Store.createApiKey}: the only time the secret key exists in clear. */
export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The full key to hand to the user; never stored. */
  readonly key: string;
}
