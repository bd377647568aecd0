/**
 * The grants that need no provider page: client credentials and the resource owner password grant. A token is
 * fetched now with the values given or stored, and saved; the provider's refusal changes nothing.
 */
import { KeywayError } from '../errors';
import { clientCredentialsGrant, passwordGrant } from '../oauth';
import type { Connection } from '../store';
import { requireConnection } from './client-config';
import type { FlowKit } from './connect-kit';
import { tokenFacts } from './connect-types';
import type { Activation } from './connect-types';

/**
 * Connects a client-credentials connection: fetches a token with the client's own credentials and saves it.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function connectWithClientCredentials(kit: FlowKit, connectionId: string): Promise<Connection> {
  const resolved = await kit.resolve(connectionId, 'client_credentials');
  const tokenSet = await clientCredentialsGrant(
    resolved.server,
    resolved.client,
    { scopes: resolved.config.scopes },
    resolved.grantOptions,
  );
  return kit.saveConnected(resolved, tokenSet, kit.now());
}

/**
 * Connects with the resource owner password grant. Nothing is saved unless the provider accepts the
 * credentials; then the username is kept as a field and the password with the encrypted secret fields, as the
 * definition's `password` input (so the grant can be repeated when the refresh token dies).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 */
export async function connectWithPassword(
  kit: FlowKit,
  connectionId: string,
  credentials: { readonly username: string; readonly password: string },
): Promise<Connection> {
  if (credentials.username.length === 0 || credentials.password.length === 0) {
    throw new KeywayError('KW_CONNECTION_INVALID', {
      message: 'A username and a password are both needed',
    });
  }
  const resolved = await kit.resolve(connectionId, 'password', credentials);
  const tokenSet = await passwordGrant(
    resolved.server,
    resolved.client,
    { username: credentials.username, password: credentials.password, scopes: resolved.config.scopes },
    resolved.grantOptions,
  );
  return kit.saveConnected(resolved, tokenSet, kit.now(), {
    fields: { ...resolved.connection.fields, username: credentials.username },
    secretFields: { ...resolved.connection.secretFields, password: credentials.password },
  });
}

/**
 * Activates a connection whose grant needs no person, with the values it already holds: client credentials,
 * or the password grant with a username and password the platform supplied. Fetches a token now and saves it,
 * as the first use of the connection would; the provider's refusal comes back as its typed error
 * (`KW_OAUTH_INVALID_CLIENT`, `KW_OAUTH_INVALID_GRANT`, ... with `error` and `error_description`) and changes
 * nothing, a missing value as `KW_PROVIDER_FIELD_MISSING` naming the field.
 * @throws KeywayError `KW_CONNECT_GRANT_UNSUPPORTED` for grants that need a person (send a connect link).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.3
 */
export async function activate(kit: FlowKit, connectionId: string): Promise<Activation> {
  const connection = await requireConnection(kit.deps.store, connectionId);
  if (connection.grantType !== 'client_credentials' && connection.grantType !== 'password') {
    throw new KeywayError('KW_CONNECT_GRANT_UNSUPPORTED', {
      message: `Connection "${connection.name}" uses the ${connection.grantType} grant, which needs a person to sign in; send them a connect link instead`,
      details: { connectionId, grantType: connection.grantType },
    });
  }
  const resolved = await kit.resolve(connectionId, connection.grantType, {}, connection);
  const { config } = resolved;
  const tokenSet =
    connection.grantType === 'client_credentials'
      ? await clientCredentialsGrant(
          resolved.server,
          resolved.client,
          { scopes: config.scopes },
          resolved.grantOptions,
        )
      : await passwordGrant(
          resolved.server,
          resolved.client,
          { username: config.username ?? '', password: config.password ?? '', scopes: config.scopes },
          resolved.grantOptions,
        );
  const saved = await kit.saveConnected(resolved, tokenSet, kit.now());
  return { connection: saved, token: tokenFacts(tokenSet) };
}
