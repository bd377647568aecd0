/**
 * Platform-owned OAuth apps ({@link Store.oauthApps}): the client id, client secret and overrides a platform
 * registers once for one connection definition of a component, which every instance's connection of that
 * definition inherits. The secret values live in one encrypted cell (AES-256-GCM, the row's identity as
 * associated data, rotated by `keyway keys rotate` like every other secret); nothing here returns them to the
 * API, which shows their names only.
 */
import type { Kysely, Migration } from 'kysely';
import { KeywayError } from '../errors';
import type { StoreContext } from './context';
import type { AppValues } from './oauth-app-rows';
import { createAppTable, decodeAppValues, encodeAppValues, upsertApp } from './oauth-app-rows';
import type { OAuthAppsTable } from './schema';
import type { JsonObject } from './types';

/**
 * A stored OAuth app, decrypted: `fields` holds the values that are not secret (the client id, URL overrides,
 * scopes), `secretFields` the secret ones (the client secret), encrypted at rest: never log it or send it anywhere.
 */
export interface OAuthApp extends AppValues {
  readonly componentKey: string;
  readonly definitionKey: string;
}

/** Input to {@link OAuthAppStore.put}. */
export interface NewOAuthApp {
  readonly componentKey: string;
  readonly definitionKey: string;
  readonly fields: JsonObject;
  readonly secretFields: JsonObject;
}

/** The OAuth apps of a deployment; see {@link OAuthApp}. */
export interface OAuthAppStore {
  /** Creates the app of the definition or replaces it (all of its values); returns it as stored. */
  put(input: NewOAuthApp): Promise<OAuthApp>;
  get(componentKey: string, definitionKey: string): Promise<OAuthApp | undefined>;
  /** Every app, by component and definition key. */
  list(): Promise<OAuthApp[]>;
  /** `KW_STORE_NOT_FOUND` when the definition has no app. */
  delete(componentKey: string, definitionKey: string): Promise<void>;
  /** Ids of the connections bound to the definition: the ones that inherit its app. */
  connectionIds(componentKey: string, definitionKey: string): Promise<string[]>;
}

const TABLE = 'oauth_apps';

/** The row id of a definition's app. Component and definition keys hold no `/`. */
function appId(componentKey: string, definitionKey: string): string {
  return `${componentKey}/${definitionKey}`;
}

/** {@link OAuthAppStore} on the store's shared context (database handle, cell cipher, clock). */
export class KyselyOAuthAppStore implements OAuthAppStore {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  get #db(): StoreContext['db'] {
    return this.#ctx.db;
  }

  async put(input: NewOAuthApp): Promise<OAuthApp> {
    const id = appId(input.componentKey, input.definitionKey);
    await upsertApp(this.#ctx, TABLE, {
      ...encodeAppValues(this.#ctx, TABLE, id, input),
      component_key: input.componentKey,
      definition_key: input.definitionKey,
    });
    const stored = await this.get(input.componentKey, input.definitionKey);
    if (!stored) throw new KeywayError('KW_STORE_NOT_FOUND', { message: `OAuth app "${id}" vanished` });
    return stored;
  }

  async get(componentKey: string, definitionKey: string): Promise<OAuthApp | undefined> {
    const row = await this.#db
      .selectFrom(TABLE)
      .selectAll()
      .where('id', '=', appId(componentKey, definitionKey))
      .executeTakeFirst();
    return row && this.#toApp(row);
  }

  async list(): Promise<OAuthApp[]> {
    const rows = await this.#db.selectFrom(TABLE).selectAll().orderBy('id').execute();
    return rows.map((row) => this.#toApp(row));
  }

  async delete(componentKey: string, definitionKey: string): Promise<void> {
    const id = appId(componentKey, definitionKey);
    const result = await this.#db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) {
      throw new KeywayError('KW_STORE_NOT_FOUND', {
        message: `Connection "${definitionKey}" of component "${componentKey}" has no OAuth app`,
        details: { componentKey, definitionKey },
      });
    }
  }

  async connectionIds(componentKey: string, definitionKey: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('connections')
      .select('id')
      .where('component_key', '=', componentKey)
      .where('definition_key', '=', definitionKey)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.id);
  }

  #toApp(row: OAuthAppsTable): OAuthApp {
    return {
      componentKey: row.component_key,
      definitionKey: row.definition_key,
      ...decodeAppValues(this.#ctx, TABLE, row),
    };
  }
}

/** Migration `0012_h5_oauth_apps`: the `oauth_apps` table. */
export function oauthAppsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createAppTable(db, TABLE, (table) =>
        table
          .addColumn('component_key', 'text', (c) => c.notNull())
          .addColumn('definition_key', 'text', (c) => c.notNull()),
      );
    },
  };
}
