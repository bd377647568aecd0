/**
 * Encrypted cells: which columns hold secrets, and the cipher every aggregate module encrypts and decrypts
 * them with (AES-256-GCM under the key ring, the cell's identity as associated data).
 */
import type { KeyRing } from './crypto';
import { cellAad } from './crypto';
import { CONTEXT_COLUMN } from './connection-context';

/** The encrypted cells, for rotation: table, id column, secret column. */
export const encryptedColumns = [
  { table: 'connections', idColumn: 'id', column: 'secret_fields' },
  { table: 'connections', idColumn: 'id', column: 'token_set' },
  { table: 'connections', idColumn: 'id', column: CONTEXT_COLUMN },
  { table: 'auth_sessions', idColumn: 'state', column: 'code_verifier' },
  { table: 'device_sessions', idColumn: 'id', column: 'device_code' },
  { table: 'webhook_endpoints', idColumn: 'id', column: 'secret' },
  { table: 'oauth_apps', idColumn: 'id', column: 'secret_fields' },
  { table: 'provider_oauth_apps', idColumn: 'id', column: 'secret_fields' },
  { table: 'trigger_subscriptions', idColumn: 'id', column: 'webhook_token' },
  { table: 'trigger_subscriptions', idColumn: 'id', column: 'api_key' },
] as const;

/** One encrypted cell kind. */
export type EncryptedColumn = (typeof encryptedColumns)[number];

/** Decrypted cells kept per store; a connection row holds two. */
const DECRYPTED_CACHE_SIZE = 1024;

/** Encrypts and decrypts cells, remembering recent plaintexts (see {@link CellCipher.decrypt}). */
export class CellCipher {
  readonly keys: KeyRing;
  /**
   * Plaintext by (associated data, envelope). An envelope has a random IV, so every write makes a new one
   * and a hit can only be the very ciphertext decrypted before: reading an unchanged row skips AES-GCM
   * without any chance of serving stale secrets. Bounded, least recently used out.
   */
  readonly #decrypted = new Map<string, string>();

  constructor(keys: KeyRing) {
    this.keys = keys;
  }

  encrypt(table: string, id: string, column: string, plaintext: string): string {
    const aad = cellAad(table, id, column);
    const envelope = this.keys.encrypt(plaintext, aad);
    // A connection row is read back right after it is written (RETURNING, the next action call): remember
    // this envelope's plaintext so that read does not decrypt what was just encrypted. Single-use cells
    // (auth and device sessions) are not kept.
    if (table === 'connections') this.#remember(`${aad}\n${envelope}`, plaintext);
    return envelope;
  }

  decrypt(table: string, id: string, column: string, envelope: string): string {
    const aad = cellAad(table, id, column);
    const cacheKey = `${aad}\n${envelope}`;
    const cached = this.#decrypted.get(cacheKey);
    if (cached !== undefined) {
      // Re-inserting moves it to the end: Map iteration order is the eviction order.
      this.#decrypted.delete(cacheKey);
      this.#decrypted.set(cacheKey, cached);
      return cached;
    }
    const plaintext = this.keys.decrypt(envelope, aad);
    this.#remember(cacheKey, plaintext);
    return plaintext;
  }

  #remember(cacheKey: string, plaintext: string): void {
    if (this.#decrypted.size >= DECRYPTED_CACHE_SIZE) {
      const oldest = this.#decrypted.keys().next();
      if (oldest.done !== true) this.#decrypted.delete(oldest.value);
    }
    this.#decrypted.set(cacheKey, plaintext);
  }
}
