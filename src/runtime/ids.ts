/**
 * Time-ordered identifiers for rows written at a high rate (execution records): UUID version 7
 * (RFC 9562 §5.7), whose first 48 bits are the Unix time in milliseconds. Consecutive ids sort together, so
 * inserting them touches the end of an index instead of a random page of it, which on SQLite halves the cost of
 * writing a record.
 */
import { fillSecureRandom } from '../random';

/** The id's text, written in place: ASCII `tttttttt-tttt-7rrr-vrrr-rrrrrrrrrrrr`. */
const text = Buffer.alloc(36);
/** Ten random bytes per id, zeroed once they are written out as hex. */
const random = Buffer.alloc(10);
/** The ASCII codes of the hex digits. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;
text[8] = DASH;
text[13] = DASH;
text[14] = 0x37; // '7': the version
text[18] = DASH;
text[23] = DASH;

/** The millisecond whose time the text holds. */
let textMs = -1;

/**
 * A UUIDv7 string for `now` (milliseconds since the epoch): 48 bits of time, the version 7, 12 random bits, the
 * RFC variant (binary 10) and 62 random bits, from the runtime's CSPRNG pool (src/random.ts). Made in one buffer
 * and read out as one string: an id is made on every action call.
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.7
 */
export function timeOrderedId(now: number = Date.now()): string {
  const ms = Math.max(0, Math.floor(now));
  if (ms !== textMs) {
    // 12 hex digits of time, the low 48 bits; the time part changes at most once per millisecond.
    let rest = ms % 2 ** 48;
    for (let i = 11; i >= 0; i--) {
      text[i < 8 ? i : i + 1] = HEX[rest % 16] ?? 0;
      rest = Math.floor(rest / 16);
    }
    textMs = ms;
  }
  fillSecureRandom(random, 0, random.length);
  // Twenty random nibbles: 3 for rand_a, 2 bits for after the variant, 3 + 12 for the rest of rand_b (one unused).
  text[15] = HEX[nibble(0)] ?? 0;
  text[16] = HEX[nibble(1)] ?? 0;
  text[17] = HEX[nibble(2)] ?? 0;
  text[19] = HEX[8 | (nibble(3) & 3)] ?? 0;
  text[20] = HEX[nibble(4)] ?? 0;
  text[21] = HEX[nibble(5)] ?? 0;
  text[22] = HEX[nibble(6)] ?? 0;
  for (let i = 0; i < 12; i++) text[24 + i] = HEX[nibble(7 + i)] ?? 0;
  for (let i = 0; i < random.length; i++) random[i] = 0;
  return text.toString('latin1', 0, 36);
}

/** The `n`th random nibble, high nibble first. */
function nibble(n: number): number {
  const byte = random[n >> 1] ?? 0;
  return n % 2 === 0 ? byte >> 4 : byte & 15;
}
