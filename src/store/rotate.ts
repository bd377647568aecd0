/**
 * `keyway keys rotate`: re-encrypt every stored secret under the key ring's primary key.
 */
import { KeywayError } from '../errors';
import type { ErrorCode } from '../errors';
import { encryptedColumns } from './cells';
import { KyselyStore } from './kysely-store';
import type { Store } from './types';

/** Progress of {@link rotateKeys}, reported after every batch. */
export interface RotationProgress {
  /** Cells looked at so far (each batch's rows). */
  readonly done: number;
  /** Cells not under the primary key when rotation started. */
  readonly total: number;
  /** Cells rewritten so far; lower than `done` when a concurrent writer got there first. */
  readonly rewritten: number;
  /** `table.column` being processed. */
  readonly column: string;
}

/** Options for {@link rotateKeys}. */
export interface RotateOptions {
  /** Cells per transaction (default 100). */
  readonly batchSize?: number;
  readonly onProgress?: (progress: RotationProgress) => void;
}

/** A cell rotation could not decrypt (tampered, moved, or under a key missing from the ring). */
export interface RotationFailure {
  /** `table.column`. */
  readonly column: string;
  readonly id: string;
  readonly code: ErrorCode;
}

/** What {@link rotateKeys} did. */
export interface RotationReport {
  readonly primaryKeyId: string;
  readonly total: number;
  readonly rewritten: number;
  /** Cells left as they were because they do not decrypt; the old key must stay until they are fixed. */
  readonly failures: readonly RotationFailure[];
}

/**
 * Throws `KW_CRYPTO_KEY_NOT_ON_REPLICAS` while a live replica (see `Store.publishReplica`) lacks the primary
 * key: once secrets are under it, that replica would fail every read of them.
 */
async function refuseWhileReplicasLackKey(store: KyselyStore): Promise<void> {
  const target = store.keyRing.primaryId;
  const lacking = (await store.listLiveReplicas()).filter((replica) => !replica.keyIds.includes(target));
  if (lacking.length === 0) return;
  const now = Date.now();
  const names = lacking
    .map(
      (replica) => `${replica.label} (seen ${Math.max(0, Math.round((now - replica.seenAt) / 1000))} s ago)`,
    )
    .join(', ');
  throw new KeywayError('KW_CRYPTO_KEY_NOT_ON_REPLICAS', {
    message: `Refusing to rotate to key "${target}": ${lacking.length} live replica(s) do not hold it: ${names}. Nothing was rewritten. Add "${target}" to KEYWAY_ENCRYPTION_KEYS on every replica and restart them, then rotate again.`,
    details: { keyId: target, replicas: lacking.map((replica) => replica.label) },
  });
}

/**
 * Re-encrypts every secret not yet under the primary key, in small transactions. Cells already under the
 * primary key are skipped, so an interrupted run resumes where it stopped. Each cell is rewritten only if
 * it still holds the ciphertext that was read (a compare-and-set on the cell), so it is safe while
 * replicas keep serving; their own writes use the primary key already. Cells that fail to decrypt are
 * left untouched and listed in the report.
 */
export async function rotateKeys(store: Store, options: RotateOptions = {}): Promise<RotationReport> {
  if (!(store instanceof KyselyStore)) {
    throw new KeywayError('KW_CONFIG_INVALID', { message: 'rotateKeys needs a store opened by openStore.' });
  }
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new KeywayError('KW_CONFIG_INVALID', { message: 'The rotation batch size must be 1 to 10000.' });
  }
  await refuseWhileReplicasLackKey(store);
  let total = 0;
  for (const target of encryptedColumns) total += await store.countStale(target);
  let done = 0;
  let rewritten = 0;
  const failures: RotationFailure[] = [];
  for (const target of encryptedColumns) {
    let afterId = '';
    for (;;) {
      const batch = await store.reencryptBatch(target, afterId, batchSize);
      if (!batch) break;
      afterId = batch.lastId;
      done += batch.seen;
      rewritten += batch.rewritten;
      failures.push(
        ...batch.failures.map((f) => ({
          column: `${target.table}.${target.column}`,
          id: f.id,
          code: f.code,
        })),
      );
      options.onProgress?.({
        done,
        // Rows written under an old key after counting started (by a replica with an old ring) can push
        // `done` past the first count.
        total: Math.max(total, done),
        rewritten,
        column: `${target.table}.${target.column}`,
      });
    }
  }
  return { primaryKeyId: store.keyRing.primaryId, total, rewritten, failures };
}
