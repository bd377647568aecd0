/**
 * GitHub repository webhooks as a trigger.
 *
 * - On deploy the trigger creates a repository webhook pointing at its own URL (`context.webhookUrls`, by flow
 *   name): `POST /repos/{owner}/{repo}/hooks` with `config.url`, `config.content_type: json`, `config.secret` and
 *   `events`; GitHub answers 201 with the hook's `id`, kept in the instance state. On delete it removes the hook
 *   (`DELETE /repos/{owner}/{repo}/hooks/{hook_id}`, 204). A hook already gone (404) counts as removed.
 *   https://docs.github.com/en/rest/repos/webhooks#create-a-repository-webhook
 *   https://docs.github.com/en/rest/repos/webhooks#delete-a-repository-webhook
 * - Every delivery carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body under the secret>`; the
 *   trigger checks it over the bytes received with a constant-time compare and throws when it does not match, so
 *   no unsigned event reaches the flow.
 *   https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * - GitHub sends a `ping` event (`X-GitHub-Event: ping`) when a hook is created or pinged; it is answered 200
 *   like any other delivery. https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { input, trigger, util } from '@prismatic-io/spectral';
import { isAxiosError } from 'axios';
import { client } from './client';
import { newOrUpdatedIssues } from './issues-poll';

function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** Throws unless `raw` carries a valid `X-Hub-Signature-256` under `secret`. */
export function verifyGitHubSignature(headers: Record<string, string>, raw: Buffer, secret: string): void {
  const signature = header(headers, 'x-hub-signature-256');
  if (signature === undefined)
    throw new Error('The request is not signed by GitHub (no X-Hub-Signature-256)');
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error('The GitHub signature does not match this body');
  }
}

function rawBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(util.types.toString(data));
}

function hooksPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/hooks`;
}

const inputs = {
  connection: input({ label: 'Connection', type: 'connection', required: true }),
  owner: input({ label: 'Owner', type: 'string', required: true, clean: util.types.toString }),
  repo: input({ label: 'Repository', type: 'string', required: true, clean: util.types.toString }),
  events: input({
    label: 'Events',
    type: 'string',
    required: false,
    default: 'push',
    comments: "Comma-separated event names (push, issues, pull_request, …); '*' for all.",
    clean: (value) =>
      util.types
        .toString(value)
        .split(',')
        .map((event) => event.trim())
        .filter(Boolean),
  }),
  secret: input({
    label: 'Webhook secret',
    type: 'password',
    required: true,
    comments:
      'GitHub signs every delivery with it (X-Hub-Signature-256); deliveries that do not match are refused.',
    clean: util.types.toString,
  }),
};

/** The repository events trigger. */
export const repositoryEvents = trigger({
  display: {
    label: 'Repository events',
    description:
      'Registers a repository webhook on deploy, receives its signed deliveries, removes it on delete.',
  },
  inputs,
  synchronousResponseSupport: 'valid',
  scheduleSupport: 'invalid',
  perform: async (_context, payload, params) => {
    verifyGitHubSignature(payload.headers, rawBytes(payload.rawBody.data), params.secret);
    const ping = header(payload.headers, 'x-github-event') === 'ping';
    return Promise.resolve({
      payload,
      response: { statusCode: 200, contentType: 'text/plain', body: ping ? 'pong' : 'ok' },
    });
  },
  onInstanceDeploy: async (context, params) => {
    const url = context.webhookUrls[context.flow.name];
    if (url === undefined) throw new Error(`No webhook URL for flow ${context.flow.name}`);
    const { data } = await client(params.connection).post<{ id: number }>(
      hooksPath(params.owner, params.repo),
      {
        name: 'web',
        active: true,
        events: params.events.length > 0 ? params.events : ['push'],
        config: { url, content_type: 'json', secret: params.secret, insecure_ssl: '0' },
      },
    );
    return { instanceState: { hookId: data.id } };
  },
  onInstanceDelete: async (context, params) => {
    const hookId = context.instanceState['hookId'];
    if (hookId === undefined) return {};
    try {
      await client(params.connection).delete(
        `${hooksPath(params.owner, params.repo)}/${encodeURIComponent(util.types.toString(hookId))}`,
      );
    } catch (error) {
      if (!(isAxiosError(error) && error.response?.status === 404)) throw error;
    }
    return { instanceState: {} };
  },
});

/** The triggers of the GitHub component. */
export const githubTriggers = { repositoryEvents, newOrUpdatedIssues };
