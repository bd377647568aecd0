/**
 * Slack connector: who am I, list channels, post a message — as the app's bot or as the person who installed it.
 *
 * One installation yields two tokens (https://api.slack.com/authentication/oauth-v2): the bot token at the top
 * level of the `oauth.v2.access` response and the user token under `authed_user`. The connection input
 * `tokenType` (`bot`, the default, or `user`) says which one every action of the connection sends: it decides
 * whose name a message is posted in and what `auth.test` reports. It is a shown input because it is a choice
 * the person connecting makes, like the scopes: `user` needs user scopes (the Scopes input), `bot` the bot
 * scopes the provider definition asks for.
 *
 * Web API methods used (https://api.slack.com/methods), each answering HTTP 200 with `ok: true|false`:
 * - `auth.test` — https://api.slack.com/methods/auth.test
 * - `conversations.list` — https://api.slack.com/methods/conversations.list
 * - `chat.postMessage` — https://api.slack.com/methods/chat.postMessage
 *
 * Data sources (./data-sources): `channels`, the channel picklist a customer chooses from on the connect page.
 * Triggers (./triggers): `events`, the Events API (signed requests, the URL verification handshake).
 */
import {
  ConnectionError,
  action,
  component,
  input,
  util,
  type Connection,
  type ConnectionDefinition,
  type StringInputField,
} from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { slack, toSpectralConnection } from '../../../connections';
import { slackDataSources } from './data-sources';
import { slackTriggers } from './triggers';

/** The connection input choosing the token actions send. */
export const TOKEN_TYPE_INPUT = 'tokenType';

/** Which of the installation's tokens an action sends. */
export type SlackTokenType = 'bot' | 'user';

// spectral's ConnectionInput is an Omit over a union, which drops `model`; the member type has it.
const tokenTypeInput: StringInputField & { shown: boolean } = {
  label: 'Act as',
  type: 'string',
  required: true,
  shown: true,
  default: 'bot',
  model: [
    { label: 'The app (bot token)', value: 'bot' },
    { label: 'The person who connected (user token)', value: 'user' },
  ],
  comments:
    'Bot: the top-level token of the installation. User: the token under authed_user; needs user scopes.',
};

const oauth = toSpectralConnection(slack, { grantType: 'authorization_code' });

/** OAuth v2 installation (bot scopes in `scope`, user scopes in `user_scope`) plus the `tokenType` choice. */
export const slackOAuth: ConnectionDefinition = {
  ...oauth,
  inputs: { ...oauth.inputs, [TOKEN_TYPE_INPUT]: tokenTypeInput },
};

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

/** The connection's `tokenType`, `bot` when unset. */
export function tokenTypeOf(connection: Connection): SlackTokenType {
  const value = util.types.toString(connection.fields[TOKEN_TYPE_INPUT]) || 'bot';
  if (value !== 'bot' && value !== 'user') {
    throw new ConnectionError(connection, `"Act as" must be bot or user, not "${value}".`);
  }
  return value;
}

/** The access token the connection's `tokenType` names: top-level for bot, under `authed_user` for user. */
export function accessTokenOf(connection: Connection): string {
  const type = tokenTypeOf(connection);
  const holder: unknown = type === 'user' ? connection.token?.authed_user : connection.token;
  const token =
    typeof holder === 'object' && holder !== null
      ? util.types.toString((holder as Record<string, unknown>).access_token)
      : '';
  if (token === '') {
    throw new ConnectionError(
      connection,
      type === 'user'
        ? 'This Slack connection has no user token: give it user scopes (Scopes) and connect it again.'
        : 'This Slack connection has no bot token: connect it with bot scopes, or set "Act as" to user.',
    );
  }
  return token;
}

function client(connection: Connection): AxiosInstance {
  const token = accessTokenOf(connection);
  const baseURL = util.types.toString(connection.fields.apiBaseUrl) || DEFAULT_API;
  return axios.create({ baseURL, headers: { Authorization: `Bearer ${token}` } });
}

/** Calls a Web API method with the connection's token; a `ok: false` answer throws {@link SlackApiError}. */
export async function call(
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
  display: {
    label: 'Post message',
    description: 'Send a message to a channel as the bot or the connected user ("Act as").',
  },
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
  dataSources: slackDataSources(call),
  triggers: slackTriggers,
});
