/**
 * The provider catalog, entry by entry: every provider in connections/catalog is a valid, sourced definition
 * that renders to a spectral connection and, through the OAuth engine's request builders, to the authorize URL and
 * token requests its definition documents (parameter names, client authentication, PKCE, extras). New entries are
 * covered by being listed in connections/catalog/index.ts.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { component } from '@prismatic-io/spectral';
import {
  ProviderDefinitionSchema,
  defineProvider,
  resolveConnection,
  toSpectralConnection,
  type GrantType,
  type ProviderDefinition,
  type ResolvedClientConfig,
} from '../../connections';
import { catalog, catalogIssues, providers } from '../../connections/catalog';
import {
  authorizationCodeGrantRequest,
  buildAuthorizationUrl,
  clientAuthFor,
  clientCredentialsGrantRequest,
  deviceAuthorizationRequest,
  passwordGrantRequest,
  revocationRequest,
  type AuthorizationServer,
  type HttpRequest,
  type OAuthClient,
  type ProviderQuirks,
} from '../../src/oauth';
import { exampleFieldValues } from '../support/catalog';
import { thrown } from '../support/errors';

const CLIENT_ID = 'catalog-client';
const CLIENT_SECRET = 'catalog-secret:%+ &=';
const REDIRECT_URI = 'https://keyway.example/oauth/callback';

function resolve(provider: ProviderDefinition, grantType: GrantType): ResolvedClientConfig {
  const definition = toSpectralConnection(provider, { grantType });
  const built = component({
    key: 'catalogProbe',
    display: { label: 'Catalog probe', description: 'Catalog probe', iconPath: 'icon.png' },
    connections: [definition],
    actions: {},
  }) as unknown as { connections: unknown[] };
  const values = {
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    ...exampleFieldValues(provider),
    // The resource owner's credentials come with the call, never from the definition.
    ...(grantType === 'password' ? { username: 'ann', password: 'pw-1' } : {}),
  };
  return resolveConnection(built.connections[0], values);
}

/** What the runtime hands the OAuth engine for a resolved connection (as src/runtime/client-config.ts does). */
function engine(config: ResolvedClientConfig): {
  server: AuthorizationServer;
  client: OAuthClient;
  quirks: ProviderQuirks;
} {
  return {
    server: {
      authorizationEndpoint: config.authorizeUrl,
      tokenEndpoint: config.tokenUrl,
      revocationEndpoint: config.revokeUrl,
      deviceAuthorizationEndpoint: config.deviceAuthorizationUrl,
    },
    client: { clientId: CLIENT_ID, auth: clientAuthFor(config.clientAuthMethod, config.clientSecret) },
    quirks: {
      scopeSeparator: config.scopeSeparator,
      scopeParam: config.scopeParam,
      extraAuthorizeParams: config.extraAuthorizeParams,
      extraTokenParams: config.extraTokenParams,
      extraTokenHeaders: config.extraTokenHeaders,
      tokenRequestFormat: config.tokenRequestFormat,
    },
  };
}

/**
 * Checks the client authentication the definition names and the body's encoding (`format`), and returns the
 * body's parameters.
 */
function expectClientAuth(request: HttpRequest, method: string, format = 'form'): URLSearchParams {
  expect(request.method).toBe('POST');
  let body: URLSearchParams;
  if (format === 'json') {
    expect(request.headers['content-type']).toBe('application/json');
    body = new URLSearchParams(JSON.parse(request.body ?? '') as Record<string, string>);
  } else {
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    body = new URLSearchParams(request.body);
  }
  if (method === 'client_secret_basic') {
    const encoded = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    const basic = Buffer.from(`${encoded(CLIENT_ID)}:${encoded(CLIENT_SECRET)}`).toString('base64');
    expect(request.headers.authorization).toBe(`Basic ${basic}`);
    expect(body.has('client_secret')).toBe(false);
  } else if (method === 'client_secret_post') {
    expect(request.headers.authorization).toBeUndefined();
    expect(body.get('client_id')).toBe(CLIENT_ID);
    expect(body.get('client_secret')).toBe(CLIENT_SECRET);
  } else if (method === 'client_secret_query') {
    const query = new URL(request.url).searchParams;
    expect(request.headers.authorization).toBeUndefined();
    expect(query.get('client_id')).toBe(CLIENT_ID);
    expect(query.get('client_secret')).toBe(CLIENT_SECRET);
    expect(body.has('client_secret')).toBe(false);
  } else {
    expect(method).toBe('none');
    expect(request.headers.authorization).toBeUndefined();
    expect(body.get('client_id')).toBe(CLIENT_ID);
    expect(body.has('client_secret')).toBe(false);
  }
  return body;
}

function expectExtras(body: URLSearchParams, extras: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(extras)) expect(body.get(name)).toBe(value);
}

const entries = catalog.map((provider): [string, ProviderDefinition] => [provider.key, provider]);
const grants = catalog.flatMap((provider) =>
  provider.grantTypes.map((grant): [string, ProviderDefinition, GrantType] => [
    `${provider.key} ${grant}`,
    provider,
    grant,
  ]),
);

describe('the provider catalog', () => {
  it('lists every file in connections/catalog once, in key order, under its file name', () => {
    const files = readdirSync(join(__dirname, '../../connections/catalog'))
      .filter((name) => name.endsWith('.ts') && name !== 'index.ts')
      .map((name) => name.slice(0, -3))
      .sort();
    const keys = catalog.map((provider) => provider.key);
    expect(keys).toEqual([...keys].sort());
    expect([...keys].sort()).toEqual(files);
    expect(Object.keys(providers)).toHaveLength(catalog.length);
  });

  it('names every URL an entry sets without citing its source, and every default scope without words', () => {
    const unsourced = defineProvider({
      key: 'acme',
      displayName: 'Acme',
      docsUrl: 'https://docs.acme.example/oauth',
      grantTypes: ['authorization_code'],
      authorizeUrl: 'https://acme.example/authorize',
      tokenUrl: 'https://acme.example/token',
      sources: { authorizeUrl: 'http://docs.acme.example/authorize' },
      defaultScopes: ['read'],
      fields: { tenant: { label: 'Tenant' } },
    });
    expect(catalogIssues(unsourced)).toEqual([
      'tokenUrl has no sources.tokenUrl: name the vendor page it came from',
      'authorizeUrl: http://docs.acme.example/authorize is not an https link',
      'default scope "read" has no scopeDescriptions entry',
      'field "tenant" has neither an example nor a default',
    ]);
  });

  it('refuses a source cited for a URL the definition does not set', () => {
    const error = thrown(() =>
      defineProvider({
        key: 'acme',
        displayName: 'Acme',
        docsUrl: 'https://docs.acme.example/oauth',
        grantTypes: ['client_credentials'],
        tokenUrl: 'https://acme.example/token',
        sources: {
          tokenUrl: 'https://docs.acme.example/token',
          revokeUrl: 'https://docs.acme.example/revoke',
        },
      }),
    );
    expect(error.message).toContain('sources.revokeUrl: cites a source for revokeUrl');
  });

  it.each(entries)('%s validates against the schema and cites a source for every URL', (_key, provider) => {
    const reparsed = ProviderDefinitionSchema.safeParse(provider);
    expect(reparsed.success && reparsed.data).toEqual(provider);
    expect(catalogIssues(provider)).toEqual([]);
  });

  it.each(grants)('%s builds the documented authorize URL and token request', (_name, provider, grant) => {
    const config = resolve(provider, grant);
    const { server, client, quirks } = engine(config);
    const override = provider.grantOverrides[grant] ?? {};
    const authMethod = override.clientAuthMethod ?? provider.clientAuthMethod;
    expect(config.clientAuthMethod).toBe(authMethod);
    const scopes = provider.defaultScopes;
    let token: HttpRequest;
    if (grant === 'authorization_code') {
      const pkce = provider.pkce === false ? undefined : { challenge: 'challenge-1', method: provider.pkce };
      const url = new URL(
        buildAuthorizationUrl(
          server,
          CLIENT_ID,
          { redirectUri: REDIRECT_URI, scopes, state: 'st-1', pkce },
          quirks,
        ),
      );
      expect(`${url.origin}${url.pathname}`).toBe(config.authorizeUrl?.split('?')[0]);
      const query = url.searchParams;
      expect(query.get('response_type')).toBe('code');
      expect(query.get('client_id')).toBe(CLIENT_ID);
      expect(query.get('redirect_uri')).toBe(REDIRECT_URI);
      expect(query.get('state')).toBe('st-1');
      expect(query.get('code_challenge_method')).toBe(pkce ? provider.pkce : null);
      if (scopes.length > 0)
        expect(query.get(provider.scopeParam)).toBe(scopes.join(provider.scopeSeparator));
      expectExtras(query, provider.extraAuthorizeParams);
      token = authorizationCodeGrantRequest(
        server,
        client,
        { code: 'code-1', redirectUri: REDIRECT_URI, codeVerifier: pkce ? 'verifier-1' : undefined },
        quirks,
      );
      const body = expectClientAuth(token, authMethod, provider.tokenRequestFormat);
      expect(body.get('grant_type')).toBe('authorization_code');
      expect(body.get('code')).toBe('code-1');
      expect(body.get('redirect_uri')).toBe(REDIRECT_URI);
      expect(body.get('code_verifier')).toBe(pkce ? 'verifier-1' : null);
    } else if (grant === 'client_credentials') {
      token = clientCredentialsGrantRequest(server, client, { scopes }, quirks);
      const body = expectClientAuth(token, authMethod, provider.tokenRequestFormat);
      expect(body.get('grant_type')).toBe('client_credentials');
    } else if (grant === 'password') {
      token = passwordGrantRequest(server, client, { username: 'ann', password: 'pw-1', scopes }, quirks);
      const body = expectClientAuth(token, authMethod, provider.tokenRequestFormat);
      expect(body.get('grant_type')).toBe('password');
    } else if (grant === 'device_code') {
      token = deviceAuthorizationRequest(server, client, { scopes }, quirks);
      expect(token.url.split('?')[0]).toBe(config.deviceAuthorizationUrl);
      expectClientAuth(token, authMethod);
      return;
    } else {
      // The implicit grant has no token request: the token comes back on the redirect.
      expect(config.allowImplicit).toBe(true);
      return;
    }
    expect(token.url.split('?')[0]).toBe(config.tokenUrl);
    const tokenBody =
      provider.tokenRequestFormat === 'json'
        ? new URLSearchParams(JSON.parse(token.body ?? '') as Record<string, string>)
        : new URLSearchParams(token.body);
    expectExtras(tokenBody, {
      ...provider.extraTokenParams,
      ...override.extraTokenParams,
    });
    for (const [name, value] of Object.entries(provider.extraTokenHeaders)) {
      if (name.toLowerCase() !== 'authorization') expect(token.headers[name.toLowerCase()]).toBe(value);
    }
    if (config.revokeUrl !== undefined) {
      const revoke = revocationRequest(server, client, { token: 'token-1' });
      expect(revoke.url.split('?')[0]).toBe(config.revokeUrl);
      expect(new URLSearchParams(expectClientAuth(revoke, authMethod)).get('token')).toBe('token-1');
    }
  });
});
