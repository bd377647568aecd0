/**
 * GitHub connector: who am I, my repositories, open an issue.
 *
 * REST endpoints used (https://docs.github.com/en/rest):
 * - `GET /user` — https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * - `GET /user/repos` — https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-authenticated-user
 * - `POST /repos/{owner}/{repo}/issues` — https://docs.github.com/en/rest/issues/issues#create-an-issue
 *
 * Triggers (./triggers): `repositoryEvents`, a repository webhook registered on deploy and removed on delete;
 * `newOrUpdatedIssues` (./issues-poll), a polling trigger over
 * `GET /repos/{owner}/{repo}/issues` — https://docs.github.com/en/rest/issues/issues#list-repository-issues
 */
import { action, component, input, util } from '@prismatic-io/spectral';
import { github, toSpectralConnection } from '../../../connections';
import { client } from './client';
import { githubTriggers } from './triggers';

/** The web application flow. */
export const githubOAuth = toSpectralConnection(github, { grantType: 'authorization_code' });
/** The device flow, for people connecting from a terminal. */
export const githubDevice = toSpectralConnection(github, { grantType: 'device_code' });

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

const getAuthenticatedUser = action({
  display: { label: 'Get authenticated user', description: 'The GitHub profile of the connected account.' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const { data } = await client(connection).get<Record<string, unknown>>('/user');
    return { data };
  },
});

const listRepositories = action({
  display: { label: 'List repositories', description: 'Repositories the connected account can access.' },
  inputs: {
    connection: connectionInput,
    perPage: input({
      label: 'Per page',
      type: 'string',
      required: false,
      default: '30',
      comments: 'At most 100.',
      clean: (value) => util.types.toInt(value, 30),
    }),
    sort: input({
      label: 'Sort',
      type: 'string',
      required: false,
      default: 'full_name',
      model: ['created', 'updated', 'pushed', 'full_name'].map((value) => ({ label: value, value })),
      clean: (value) => util.types.toString(value) || 'full_name',
    }),
  },
  perform: async (_context, { connection, perPage, sort }) => {
    const { data } = await client(connection).get<unknown[]>('/user/repos', {
      params: { per_page: perPage, sort },
    });
    return { data };
  },
});

const createIssue = action({
  display: { label: 'Create issue', description: 'Open an issue in a repository.' },
  inputs: {
    connection: connectionInput,
    owner: input({ label: 'Owner', type: 'string', required: true, clean: util.types.toString }),
    repo: input({ label: 'Repository', type: 'string', required: true, clean: util.types.toString }),
    title: input({ label: 'Title', type: 'string', required: true, clean: util.types.toString }),
    body: input({ label: 'Body', type: 'text', required: false, clean: util.types.toString }),
  },
  perform: async (_context, { connection, owner, repo, title, body }) => {
    const { data } = await client(connection).post<Record<string, unknown>>(
      `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/issues`,
      { title, ...(body ? { body } : {}) },
    );
    return { data };
  },
});

export default component({
  key: 'github',
  public: false,
  display: {
    label: 'GitHub',
    description: 'Read your GitHub profile and repositories, open issues, and receive repository events.',
    iconPath: 'icon.png',
  },
  connections: [githubOAuth, githubDevice],
  actions: { getAuthenticatedUser, listRepositories, createIssue },
  triggers: githubTriggers,
});
