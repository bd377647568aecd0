import { defineProvider } from '../schema';

/**
 * Todoist: the authorization code grant for the Todoist API v1.
 *
 * - Authorization guide (scopes `task:add`, `data:read`, `data:read_write`, `data:delete`, `project:delete`):
 *   https://developer.todoist.com/api/v1/#tag/Authorization/OAuth and Doist's SDK guide
 *   https://doist.github.io/todoist-api-typescript/authorization
 * - Doist's SDK endpoints: `https://todoist.com/oauth/authorize`, `https://todoist.com/oauth/access_token`, API
 *   `https://api.todoist.com/api/v1`:
 *   https://github.com/Doist/todoist-api-python/blob/main/todoist_api_python/_core/endpoints.py
 * - Doist's SDK OAuth helpers: scopes joined with commas in the authorize URL, `client_id`, `client_secret` and
 *   `code` posted in the form body:
 *   https://github.com/Doist/todoist-api-python/blob/main/todoist_api_python/authentication.py
 *
 * Tokens do not expire and there is no refresh token.
 */
export const todoist = defineProvider({
  key: 'todoist',
  displayName: 'Todoist',
  docsUrl: 'https://developer.todoist.com/api/v1/#tag/Authorization/OAuth',
  sources: {
    authorizeUrl:
      'https://github.com/Doist/todoist-api-python/blob/main/todoist_api_python/_core/endpoints.py',
    tokenUrl: 'https://github.com/Doist/todoist-api-python/blob/main/todoist_api_python/_core/endpoints.py',
    apiBaseUrl: 'https://github.com/Doist/todoist-api-python/blob/main/todoist_api_python/_core/endpoints.py',
    scopes: 'https://doist.github.io/todoist-api-typescript/authorization',
  },
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://todoist.com/oauth/authorize',
  tokenUrl: 'https://todoist.com/oauth/access_token',
  apiBaseUrl: 'https://api.todoist.com/api/v1',
  defaultScopes: ['data:read'],
  scopeDescriptions: {
    'data:read': 'See your tasks, projects and labels',
    'data:read_write': 'See and change your tasks, projects and labels',
    'task:add': 'Add new tasks',
    'data:delete': 'Delete your tasks and projects',
  },
  scopeSeparator: ',',
  clientAuthMethod: 'client_secret_post',
  notes: ['Access tokens do not expire; there is no refresh token.'],
});
