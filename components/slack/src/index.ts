/**
 * Slack connector (user token): who am I, list channels, post a message.
 *
 * Web API methods used (https://api.slack.com/methods), each answering HTTP 200 with `ok: true|false`:
 * - `auth.test` — https://api.slack.com/methods/auth.test
 * - `conversations.list` — https://api.slack.com/methods/conversations.list
 * - `chat.postMessage` — https://api.slack.com/methods/chat.postMessage
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { slack, toSpectralConnection } from '../../../connections';

/** OAuth v2 for a user token (`user_scope`, token under `authed_user`). */
export const slackOAuth = toSpectralConnection(slack, { grantType: 'authorization_code' });

const DEFAULT_API = 'https://slack.com/api';

/** Slack's error codes that mean the token itself is not accepted (https://api.slack.com/web#responses). */
const TOKEN_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'token_revoked',
  'token_expired',
  'account_inactive',
]);

/**
 * A Slack Web API error. Slack answers 200 even for a bad token, so a token error carries `status: 401`:
 * that is what makes a runtime refresh the token and retry, as it would for any other API's 401.
 */
export class SlackApiError extends Error {
  override readonly name = 'SlackApiError';
  readonly error: string;
  readonly status: number | undefined;
  constructor(method: string, error: string) {
    super(`Slack ${method} failed: ${error}`);
    this.error = error;
    this.status = TOKEN_ERRORS.has(error) ? 401 : undefined;
  }
}

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '')
    throw new ConnectionError(connection, 'This Slack connection has no access token; connect it first.');
  const baseURL = util.types.toString(connection.fields.apiBaseUrl) || DEFAULT_API;
  return axios.create({ baseURL, headers: { Authorization: `Bearer ${token}` } });
}

async function call(
  connection: Connection,
  method: string,
  request: { params?: Record<string, unknown>; body?: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const http = client(connection);
  const response = request.body
    ? await http.post<Record<string, unknown>>(`/${method}`, request.body, {
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
      })
    : await http.get<Record<string, unknown>>(`/${method}`, { params: request.params });
  const data = response.data;
  if (data.ok !== true)
    throw new SlackApiError(method, typeof data.error === 'string' ? data.error : 'unknown_error');
  return data;
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const authTest = action({
  display: { label: 'Who am I', description: 'The user and workspace of the connected token (auth.test).' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => ({ data: await call(connection, 'auth.test', { body: {} }) }),
});

const listChannels = action({
  display: { label: 'List channels', description: 'Public channels of the workspace (conversations.list).' },
  inputs: {
    connection: connectionInput,
    limit: input({
      label: 'Limit',
      type: 'string',
      required: false,
      default: '100',
      clean: (value) => util.types.toInt(value, 100),
    }),
  },
  perform: async (_context, { connection, limit }) => ({
    data: await call(connection, 'conversations.list', {
      params: { types: 'public_channel', exclude_archived: true, limit },
    }),
  }),
});

const postMessage = action({
  display: { label: 'Post message', description: 'Send a message to a channel as the connected user.' },
  inputs: {
    connection: connectionInput,
    channel: input({
      label: 'Channel',
      type: 'string',
      required: true,
      example: 'C0123456789',
      clean: util.types.toString,
    }),
    text: input({ label: 'Text', type: 'text', required: true, clean: util.types.toString }),
  },
  perform: async (_context, { connection, channel, text }) => ({
    data: await call(connection, 'chat.postMessage', { body: { channel, text } }),
  }),
});

export default component({
  key: 'slack',
  public: false,
  display: { label: 'Slack', description: 'Post messages and list channels in Slack.', iconPath: 'icon.png' },
  connections: [slackOAuth],
  actions: { authTest, listChannels, postMessage },
});
