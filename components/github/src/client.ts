/** The REST client every GitHub action and trigger uses, authenticated with the connection's token. */
import { ConnectionError, util, type Connection } from '@prismatic-io/spectral';
import axios, { type AxiosInstance } from 'axios';

const DEFAULT_API = 'https://api.github.com';

/** An axios client on the connection's API base with GitHub's recommended headers. */
export function client(connection: Connection): AxiosInstance {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '')
    throw new ConnectionError(connection, 'This GitHub connection has no access token; connect it first.');
  // The API base is a hidden connection input so tests (and GitHub Enterprise) can point elsewhere.
  const baseURL = util.types.toString(connection.fields.apiBaseUrl) || DEFAULT_API;
  return axios.create({
    baseURL,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: 'application/vnd.github+json',
      'X-GitHub-Api-Version': '2022-11-28',
    },
  });
}
