/**
 * What an issuer promises about its authorization responses: whether it always sends `iss` (RFC 9207 §3,
 * `authorization_response_iss_parameter_supported`), read from its metadata once and remembered for an hour.
 */
import { discover } from '../oauth';
import type { GrantOptions } from '../oauth';

const TTL_MS = 60 * 60 * 1000;
/** An issuer whose metadata could not be read is asked again after this long, not on every connect. */
const FAILED_TTL_MS = 5 * 60 * 1000;
const MAX_ISSUERS = 256;
const NO_RETRY = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } as const;

interface Remembered {
  readonly promised: boolean;
  readonly until: number;
}

/** Per-issuer memory of the `iss` promise, bounded in size. */
export class IssuerPromises {
  readonly #known = new Map<string, Remembered>();

  /**
   * Whether a callback from `issuer` must carry `iss`. An issuer whose metadata cannot be read promises nothing
   * (the callback's `iss` is still checked whenever it is sent) for a few minutes. One attempt, no retries: a
   * connect page must not wait on a server that publishes no metadata.
   * @see https://www.rfc-editor.org/rfc/rfc9207#section-3
   */
  async sendsIss(issuer: string, options: GrantOptions, now: number): Promise<boolean> {
    const known = this.#known.get(issuer);
    if (known && known.until > now) return known.promised;
    let remembered: Remembered;
    try {
      const server = await discover(issuer, { ...options, retry: NO_RETRY });
      remembered = {
        promised: server.authorizationResponseIssParameterSupported === true,
        until: now + TTL_MS,
      };
    } catch {
      remembered = { promised: false, until: now + FAILED_TTL_MS };
    }
    if (this.#known.size >= MAX_ISSUERS) this.#known.delete(this.#known.keys().next().value ?? '');
    this.#known.set(issuer, remembered);
    return remembered.promised;
  }
}
