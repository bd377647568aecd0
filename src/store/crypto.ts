/**
 * Encryption at rest: AES-256-GCM with the row's identity as associated data, under a ring of keys.
 *
 * Envelope: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The associated data is
 * `table:id:column`, so a ciphertext copied into another row or column fails authentication instead of
 * decrypting to someone else's token.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeywayError } from '../errors';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** One key of a {@link KeyRing}. */
export interface EncryptionKey {
  /** Short, non-secret name written into every envelope (`[A-Za-z0-9_-]{1,64}`). */
  readonly id: string;
  /** 32 random bytes. */
  readonly key: Uint8Array;
}

/** The associated data binding a ciphertext to one cell: `table:id:column`. */
export function cellAad(table: string, id: string, column: string): string {
  return `${table}:${id}:${column}`;
}

/**
 * Several keys with ids: the primary (newest unless named) encrypts, all decrypt. Key bytes stay inside
 * the instance and never appear in messages or JSON.
 */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** Id of the key new ciphertexts are written under. */
  readonly primaryId: string;

  /**
   * @param keys at least one key; ids must be unique.
   * @param primaryId the key to encrypt with; defaults to the last key.
   */
  constructor(keys: readonly EncryptionKey[], primaryId?: string) {
    if (keys.length === 0) {
      throw new KeywayError('KW_CRYPTO_KEY_MISSING', { message: 'The key ring needs at least one key.' });
    }
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID_PATTERN.test(id)) {
        throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
          message: `Encryption key id "${id.slice(0, 64)}" is invalid: use 1-64 letters, digits, "_" or "-".`,
        });
      }
      if (key.length !== KEY_BYTES) {
        throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
          message: `Encryption key "${id}" is ${key.length} bytes; it must be exactly 32 bytes (base64 of 32 random bytes).`,
          details: { keyId: id },
        });
      }
      if (map.has(id)) {
        throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
          message: `Encryption key id "${id}" appears twice in the key ring.`,
          details: { keyId: id },
        });
      }
      map.set(id, Buffer.from(key));
    }
    const primary = primaryId ?? keys[keys.length - 1]?.id;
    if (primary === undefined || !map.has(primary)) {
      throw new KeywayError('KW_CRYPTO_KEY_UNKNOWN', {
        message: `The primary encryption key "${String(primaryId)}" is not in the key ring.`,
      });
    }
    this.#keys = map;
    this.primaryId = primary;
  }

  /**
   * Parses `id1:base64key,id2:base64key` (as in `KEYWAY_ENCRYPTION_KEYS`). The last key is the primary
   * unless `primaryId` names another.
   */
  static parse(spec: string, primaryId?: string): KeyRing {
    const entries = spec
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    const keys = entries.map((entry, index) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
          message: `Encryption key #${index + 1} is not in the form "<id>:<base64 key>".`,
        });
      }
      const id = entry.slice(0, colon);
      const encoded = entry.slice(colon + 1);
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) {
        throw new KeywayError('KW_CRYPTO_KEY_INVALID', {
          message: `Encryption key "${id}" is not valid base64.`,
          details: { keyId: id },
        });
      }
      return {
        id,
        key: Buffer.from(encoded, encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64'),
      };
    });
    return new KeyRing(keys, primaryId);
  }

  /** A ring with one fresh random key. */
  static generate(id = `k${Date.now().toString(36)}`): KeyRing {
    return new KeyRing([{ id, key: randomBytes(KEY_BYTES) }]);
  }

  /** Renders the ring in the `KEYWAY_ENCRYPTION_KEYS` format, primary last. Secret: write it only to a 0600 file. */
  serialize(): string {
    const ids = [...this.#keys.keys()].filter((id) => id !== this.primaryId);
    ids.push(this.primaryId);
    return ids.map((id) => `${id}:${this.#keys.get(id)?.toString('base64') ?? ''}`).join(',');
  }

  /** Ids of every key in the ring. */
  get ids(): readonly string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  /** Encrypts `plaintext` under the primary key (or `keyId`), bound to `aad`. */
  encrypt(plaintext: string, aad: string, keyId: string = this.primaryId): string {
    const key = this.#key(keyId);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, keyId, b64(iv), b64(tag), b64(ciphertext)].join('.');
  }

  /**
   * Decrypts an envelope written for `aad`. Throws `KW_CRYPTO_KEY_UNKNOWN` when its key is not in the
   * ring and `KW_CRYPTO_DECRYPT_FAILED` when it was tampered with, truncated or moved to another cell.
   */
  decrypt(envelope: string, aad: string): string {
    const parts = parseEnvelope(envelope);
    const key = this.#key(parts.keyId);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, parts.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(parts.tag);
      return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new KeywayError('KW_CRYPTO_DECRYPT_FAILED', {
        message: `A stored secret (${describeAad(aad)}) failed authentication: it was altered or copied from another row.`,
        cause,
        details: { keyId: parts.keyId },
      });
    }
  }

  /** Keys never print. */
  toJSON(): { primaryId: string; ids: readonly string[] } {
    return { primaryId: this.primaryId, ids: this.ids };
  }

  #key(id: string): Buffer {
    const key = this.#keys.get(id);
    if (key === undefined) {
      throw new KeywayError('KW_CRYPTO_KEY_UNKNOWN', {
        message: `A stored secret is encrypted with key "${id}", which is not in the key ring; add it back to KEYWAY_ENCRYPTION_KEYS.`,
        details: { keyId: id },
      });
    }
    return key;
  }
}

/** The key id an envelope was written under. */
export function envelopeKeyId(envelope: string): string {
  return parseEnvelope(envelope).keyId;
}

function parseEnvelope(envelope: string): { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = envelope.split('.');
  const [version, keyId, iv, tag, ciphertext] = parts;
  if (
    parts.length !== 5 ||
    version !== VERSION ||
    keyId === undefined ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined
  ) {
    throw new KeywayError('KW_CRYPTO_DECRYPT_FAILED', {
      message:
        'A stored secret is not a valid encryption envelope; it was altered or written by something else.',
    });
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) {
    throw new KeywayError('KW_CRYPTO_DECRYPT_FAILED', {
      message: 'A stored secret has a malformed IV or tag; it was altered.',
      details: { keyId },
    });
  }
  return { keyId, iv: ivBytes, tag: tagBytes, ciphertext: Buffer.from(ciphertext, 'base64url') };
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}

// Names the cell without its id: ids are not secret, but the table and column are what a person needs.
function describeAad(aad: string): string {
  const [table, , column] = aad.split(':');
  return `${table ?? '?'}.${column ?? '?'}`;
}
