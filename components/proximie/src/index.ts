/**
 * Proximie connector: who am I, my organisations, an organisation's sessions. Two connections: a user signs in
 * (authorization code with PKCE), or a server or device acts as itself (client credentials with the API's
 * `audience`). Each connection picks its environment, development (`https://my.proximiestaging.com`) or
 * production (`https://my.proximie.net`): https://docs.proximie.net/docs/oauth-20
 *
 * API (bearer token from either flow; audience `https://proximie.com/api/v2/`,
 * https://docs.proximie.net/docs/client-credentials). What Proximie's public docs say, and what they do not:
 * - Sourced: the resources (users, who belong to several organisations; organisations; sessions, which live in
 *   an organisation): https://docs.proximie.net/docs/users, https://docs.proximie.net/docs/organisations,
 *   https://docs.proximie.net/docs/sessions. Creating a session takes the organisation as a path parameter
 *   (`organisation_id`) and the user's JWT as a bearer token: https://docs.proximie.net/reference/createsession
 * - NOT sourced: the three paths below. The one API reference page found (above) does not show its path in its
 *   public text, and no OpenAPI file, SDK or other public page found (searched 2026-12-06) states any path. They
 *   follow the audience's `/api/v2/` prefix and are guesses until Proximie confirms them (see the README):
 *   `GET /api/v2/users/me`, `GET /api/v2/organisations`, `GET /api/v2/sessions?organisationId=`.
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';
import { ENVIRONMENT_INPUT, HIDDEN_INPUTS, proximie, toSpectralConnection } from '../../../connections';

/** A person signs in (authorization code with PKCE S256, `audience` on the authorize request). */
export const proximieOAuth = toSpectralConnection(proximie, { grantType: 'authorization_code' });
/** A server or device acts as itself: client credentials with the API's `audience`, no user, no refresh. */
export const proximieClientCredentials = toSpectralConnection(proximie, {
  grantType: 'client_credentials',
  scopes: [],
});

const PRODUCTION_APP = 'https://my.proximie.net';

/**
 * The API host of the connection's environment. Read from the environment picker and the environments list the
 * connection carries, not from `apiBaseUrl`: a template renders the default environment's host, and the customer
 * may have picked the other one.
 */
function apiBase(connection: Connection): string {
  const chosen = util.types.toString(connection.fields[ENVIRONMENT_INPUT]);
  try {
    const environments = JSON.parse(util.types.toString(connection.fields[HIDDEN_INPUTS.environments])) as {
      default?: string;
      options?: Record<string, { hosts?: { appHost?: string } }>;
    };
    const name = chosen || environments.default || 'production';
    return environments.options?.[name]?.hosts?.appHost ?? PRODUCTION_APP;
  } catch {
    return PRODUCTION_APP;
  }
}

function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '')
    throw new ConnectionError(connection, 'This Proximie connection has no access token yet.');
  return axios.create({
    baseURL: `${apiBase(connection)}/api/v2`,
    headers: { Authorization: `Bearer ${token}` },
  });
}

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const getCurrentUser = action({
  display: { label: 'Get current user', description: 'The Proximie user (or client) the token belongs to.' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/users/me');
    return { data };
  },
});

const listOrganisations = action({
  display: { label: 'List organisations', description: 'Organisations the connected account belongs to.' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/organisations');
    return { data };
  },
});

const listSessions = action({
  display: { label: 'List sessions', description: "An organisation's sessions." },
  inputs: {
    connection: connectionInput,
    organisationId: input({
      label: 'Organisation ID',
      type: 'string',
      required: true,
      clean: util.types.toString,
    }),
  },
  perform: async (_context, { connection, organisationId }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/sessions', {
      params: { organisationId },
    });
    return { data };
  },
});

export default component({
  key: 'proximie',
  public: false,
  display: {
    label: 'Proximie',
    description: 'Read your Proximie profile, organisations and sessions.',
    iconPath: 'icon.png',
  },
  connections: [proximieOAuth, proximieClientCredentials],
  actions: { getCurrentUser, listOrganisations, listSessions },
});
