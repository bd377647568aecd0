/**
 * Slack's Events API as a webhook trigger (https://api.slack.com/apis/events-api).
 *
 * - Every request is signed (https://api.slack.com/authentication/verifying-requests-from-slack):
 *   `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<X-Slack-Request-Timestamp>:<raw body>" under the app's signing
 *   secret>`. The trigger checks it over the raw body, byte for byte, and refuses requests older than five
 *   minutes (replays) by throwing: no event reaches the flow.
 * - When the Request URL is saved, Slack sends `{"type": "url_verification", "challenge": …}` and expects the
 *   challenge back in a 200 answer (https://api.slack.com/events/url_verification): the trigger's `response`.
 * - Event deliveries (`type: "event_callback"`) are acknowledged with a 200 within three seconds; the event is
 *   the trigger's payload.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { input, trigger, util } from '@prismatic-io/spectral';

/** How old a signed request may be (Slack's own recommendation), in seconds. */
const MAX_AGE_SECONDS = 5 * 60;

function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Throws unless `raw` carries a valid, recent Slack signature under `secret`. */
export function verifySlackSignature(
  headers: Record<string, string>,
  raw: Buffer,
  secret: string,
  nowSeconds: number,
): void {
  const timestamp = header(headers, 'x-slack-request-timestamp');
  const signature = header(headers, 'x-slack-signature');
  if (timestamp === undefined || signature === undefined)
    throw new Error('The request is not signed by Slack');
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_AGE_SECONDS) {
    throw new Error('The Slack request timestamp is too old or malformed (a replay?)');
  }
  const expected = `v0=${createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(`v0:${timestamp}:`), raw]))
    .digest('hex')}`;
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new Error('The Slack signature does not match this body');
  }
}

function rawBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(util.types.toString(data));
}

/** The Events API trigger. */
export const events = trigger({
  display: {
    label: 'Events API',
    description: 'Receives Slack Events API deliveries; answers the URL verification handshake.',
  },
  inputs: {
    signingSecret: input({
      label: 'Signing secret',
      type: 'password',
      required: true,
      comments: "The app's Signing Secret (Basic Information page); every request is checked against it.",
    }),
  },
  synchronousResponseSupport: 'valid',
  scheduleSupport: 'invalid',
  perform: async (_context, payload, params) => {
    const raw = rawBytes(payload.rawBody.data);
    verifySlackSignature(payload.headers, raw, util.types.toString(params.signingSecret), Date.now() / 1000);
    const body = (payload.body.data ?? {}) as Record<string, unknown>;
    if (body.type === 'url_verification') {
      return Promise.resolve({
        payload,
        response: { statusCode: 200, contentType: 'text/plain', body: util.types.toString(body.challenge) },
      });
    }
    return Promise.resolve({
      payload,
      response: { statusCode: 200, contentType: 'text/plain', body: '' },
    });
  },
});

/** The triggers of the Slack component. */
export const slackTriggers = { events };
