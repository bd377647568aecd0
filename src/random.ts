/**
 * Cryptographically secure random bytes for the values a connect flow and an encrypted write make by the
 * handful (PKCE verifiers, `state`, AES-GCM IVs, CSP nonces, browser ids), drawn from a pool that one
 * `randomFillSync` call refills, as node's own `randomUUID` does with its cache of UUIDs.
 *
 * Why a pool: every `randomBytes` call costs OpenSSL's fork check, a `getpid` system call, whatever its size.
 * On a host that pays for each system call (a VM with page-table isolation and no PCID: about 6 µs here, and the
 * TLB flushed on each) that is 6–7 µs per call; a connect flow makes four. The pool pays it once per 4 KiB.
 *
 * The bytes are the same CSPRNG's. Every byte is handed out once: the slice given out is copied into a buffer of
 * its own and zeroed in the pool, so the pool never keeps a value it has given away. Large requests skip the pool.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

/** Refilled whole when a request does not fit in what is left of it. */
const POOL_BYTES = 4096;
/** Requests above this go straight to `randomBytes`: the pool is for many small values. */
const MAX_POOLED = 256;

const pool = Buffer.alloc(POOL_BYTES);
/** Bytes from here to the end of the pool are fresh; bytes before it were handed out (and zeroed). */
let offset = POOL_BYTES;

/** `size` fresh random bytes in a buffer of their own. */
export function secureRandomBytes(size: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`Invalid random byte count: ${size}`);
  if (size > MAX_POOLED) return randomBytes(size);
  const out = Buffer.allocUnsafeSlow(size);
  fillSecureRandom(out, 0, size);
  return out;
}

/**
 * Writes `size` fresh pooled random bytes into `target` from `start` and zeroes the pool's copy: the one place
 * bytes leave the pool. Used directly for values made at the rate of calls (time-ordered ids), which need no
 * buffer of their own.
 */
export function fillSecureRandom(target: Uint8Array, start: number, size: number): void {
  if (
    !Number.isSafeInteger(size) ||
    size < 0 ||
    size > MAX_POOLED ||
    start < 0 ||
    start + size > target.length
  ) {
    throw new RangeError(`Invalid random byte range: ${size} bytes at ${start} of ${target.length}`);
  }
  if (POOL_BYTES - offset < size) {
    randomFillSync(pool);
    offset = 0;
  }
  for (let i = 0; i < size; i++) {
    target[start + i] = pool[offset + i] ?? 0;
    pool[offset + i] = 0;
  }
  offset += size;
}

/** `size` fresh random bytes, base64url (no padding): tokens, `state`, PKCE verifiers. */
export function randomToken(size: number): string {
  return secureRandomBytes(size).toString('base64url');
}
