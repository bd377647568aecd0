/**
 * OAuth apps a platform registers once per catalog provider ({@link Store.providerOAuthApps}): every connection
 * definition built on the provider inherits the app unless its own per-definition app ({@link Store.oauthApps})
 * exists. The secret values live in one encrypted cell (AES-256-GCM, the row's identity as associated data,
 * rotated by `keyway keys rotate` like every other secret); nothing here returns them to the API.
 */
import type { Kysely, Migration } from 'kysely';
import { KeywayError } from '../errors';
import type { StoreContext } from './context';
import type { AppValues } from './oauth-app-rows';
import { createAppTable, decodeAppValues, encodeAppValues, upsertApp } from './oauth-app-rows';
import type { ProviderOAuthAppsTable } from './schema';
import type { JsonObject } from './types';

/**
 * A stored provider app, decrypted: `fields` holds the values that are not secret (the client id, scopes, an
 * environment), `secretFields` the secret ones (the client secret), encrypted at rest: never log it or send it
 * anywhere.
 */
export interface ProviderOAuthApp extends AppValues {
  /** The provider's key (`connections/catalog/<key>.ts`, the hidden `keywayProvider` input of a definition). */
  readonly providerKey: string;
}

/** Input to {@link ProviderOAuthAppStore.put}. */
export interface NewProviderOAuthApp {
  readonly providerKey: string;
  readonly fields: JsonObject;
  readonly secretFields: JsonObject;
}

/** A component's connection definition that at least one stored connection is bound to. */
export interface BoundDefinition {
  readonly componentKey: string;
  readonly definitionKey: string;
}

/** The provider apps of a deployment; see {@link ProviderOAuthApp}. */
export interface ProviderOAuthAppStore {
  /** Creates the provider's app or replaces it (all of its values); returns it as stored. */
  put(input: NewProviderOAuthApp): Promise<ProviderOAuthApp>;
  get(providerKey: string): Promise<ProviderOAuthApp | undefined>;
  /** Every provider app, by provider key. */
  list(): Promise<ProviderOAuthApp[]>;
  /** `KW_STORE_NOT_FOUND` when the provider has no app. */
  delete(providerKey: string): Promise<void>;
  /** Every (component, definition) pair some connection is bound to: the candidates for a provider's app. */
  boundDefinitions(): Promise<BoundDefinition[]>;
}

const TABLE = 'provider_oauth_apps';

/** {@link ProviderOAuthAppStore} on the store's shared context (database handle, cell cipher, clock). */
export class KyselyProviderOAuthAppStore implements ProviderOAuthAppStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  get #db(): StoreContext['db'] {
    return this.#ctx.db;
  }

  async put(input: NewProviderOAuthApp): Promise<ProviderOAuthApp> {
    const id = input.providerKey;
    await upsertApp(this.#ctx, TABLE, encodeAppValues(this.#ctx, TABLE, id, input));
    const stored = await this.get(id);
    if (!stored) throw new KeywayError('KW_STORE_NOT_FOUND', { message: `OAuth app of "${id}" vanished` });
    return stored;
  }

  async get(providerKey: string): Promise<ProviderOAuthApp | undefined> {
    const row = await this.#db.selectFrom(TABLE).selectAll().where('id', '=', providerKey).executeTakeFirst();
    return row && this.#toApp(row);
  }

  async list(): Promise<ProviderOAuthApp[]> {
    const rows = await this.#db.selectFrom(TABLE).selectAll().orderBy('id').execute();
    return rows.map((row) => this.#toApp(row));
  }

  async delete(providerKey: string): Promise<void> {
    const result = await this.#db.deleteFrom(TABLE).where('id', '=', providerKey).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new KeywayError('KW_STORE_NOT_FOUND', {
        message: `Provider "${providerKey}" has no OAuth app`,
        details: { provider: providerKey },
      });
    }
  }

  async boundDefinitions(): Promise<BoundDefinition[]> {
    const rows = await this.#db
      .selectFrom('connections')
      .select(['component_key', 'definition_key'])
      .distinct()
      .orderBy('component_key')
      .orderBy('definition_key')
      .execute();
    return rows.map((row) => ({ componentKey: row.component_key, definitionKey: row.definition_key }));
  }

  #toApp(row: ProviderOAuthAppsTable): ProviderOAuthApp {
    return { providerKey: row.id, ...decodeAppValues(this.#ctx, TABLE, row) };
  }
}

/** Migration `0025_h5_provider_oauth_apps`: the `provider_oauth_apps` table. */
export function providerOAuthAppsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createAppTable(db, TABLE);
    },
  };
}
