import {
  component,
  connection,
  oauth2Connection,
  OAuth2PkceMethod,
  OAuth2Type,
} from '@prismatic-io/spectral';
import {
  HIDDEN_INPUTS,
  defineProvider,
  resolveConnection,
  toSpectralConnection,
  type GrantType,
  type ProviderDefinition,
  type ToSpectralConnectionOptions,
} from '../../connections';
import { providers } from '../../connections/catalog';
import { exampleFieldValues } from '../support/catalog';
import { thrown } from '../support/errors';

/** What a built bundle holds: the connection after spectral's `component(...)` conversion. */
function wire(
  provider: ProviderDefinition,
  options: ToSpectralConnectionOptions = {},
): Record<string, unknown> {
  return wireOf(toSpectralConnection(provider, options));
}

function wireOf(definition: ReturnType<typeof toSpectralConnection>): Record<string, unknown> {
  const built = component({
    key: 'probe',
    display: { label: 'Probe', description: 'Probe', iconPath: 'icon.png' },
    connections: [definition],
    actions: {},
  }) as unknown as { connections: Array<Record<string, unknown>> };
  const [only] = built.connections;
  if (!only) throw new Error('no connection');
  return only;
}

const client = { clientId: 'client-123', clientSecret: 'super-secret-value' };

describe('toSpectralConnection → resolveConnection round trip', () => {
  const cases = Object.values(providers).flatMap((provider) =>
    provider.grantTypes.map((grantType): [string, ProviderDefinition, GrantType] => [
      `${provider.key} ${grantType}`,
      provider,
      grantType,
    ]),
  );

  it.each(cases)('%s resolves to the provider definition it was built from', (_name, provider, grantType) => {
    // The password grant also needs the resource owner's credentials, given with the call.
    const filled = { ...client, ...exampleFieldValues(provider) };
    const values = grantType === 'password' ? { ...filled, username: 'ann', password: 'pw-123' } : filled;
    const resolved = resolveConnection(wire(provider, { grantType }), values);
    const override = provider.grantOverrides[grantType] ?? {};
    expect(resolved.grantType).toBe(grantType);
    expect(resolved.provider).toBe(provider.key);
    expect(resolved.scopes).toEqual(provider.defaultScopes);
    expect(resolved.scopeSeparator).toBe(provider.scopeSeparator);
    expect(resolved.scopeParam).toBe(provider.scopeParam);
    expect(resolved.clientAuthMethod).toBe(override.clientAuthMethod ?? provider.clientAuthMethod);
    expect(resolved.pkce).toBe(grantType === 'authorization_code' ? provider.pkce : false);
    expect(resolved.extraAuthorizeParams).toEqual(provider.extraAuthorizeParams);
    expect(resolved.extraTokenParams).toEqual({ ...provider.extraTokenParams, ...override.extraTokenParams });
    expect(resolved.extraTokenHeaders).toEqual(provider.extraTokenHeaders);
    expect(resolved.tokenRequestFormat).toBe(provider.tokenRequestFormat);
    expect(resolved.tokenResponse).toEqual(provider.tokenResponse);
    expect(resolved.scopeDescriptions).toEqual(provider.scopeDescriptions);
    expect(resolved.refreshMarginSeconds).toBe(provider.refreshMarginSeconds);
    expect(resolved.clientId).toBe('client-123');
    // Every URL is absolute and fully rendered.
    for (const url of [
      resolved.authorizeUrl,
      resolved.tokenUrl,
      resolved.deviceAuthorizationUrl,
      resolved.apiBaseUrl,
    ]) {
      if (url !== undefined) expect(url).toMatch(/^https?:\/\/[^{}]+$/);
    }
    if (grantType === 'authorization_code') expect(resolved.authorizeUrl).toEqual(expect.any(String));
    if (grantType === 'device_code') expect(resolved.deviceAuthorizationUrl).toEqual(expect.any(String));
  });

  it('keeps authorization_code and client_credentials as spectral oauth2 connections with spectral input keys', () => {
    const salesforce = wire(providers.salesforce!);
    expect(salesforce).toMatchObject({
      key: 'salesforceOAuth',
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'S256',
    });
    const keys = (salesforce.inputs as Array<{ key: string }>).map((input) => input.key);
    expect(keys).toEqual(
      expect.arrayContaining(['authorizeUrl', 'tokenUrl', 'scopes', 'clientId', 'clientSecret']),
    );
    expect(wire(providers.spotify!)).toMatchObject({
      key: 'spotifyClientCredentials',
      oauth2Type: 'client_credentials',
    });
  });

  it('carries quirks as hidden inputs whose defaults hold the values', () => {
    const slack = wire(providers.slack!);
    const inputs = slack.inputs as Array<{ key: string; shown?: boolean; default?: unknown }>;
    const separator = inputs.find((input) => input.key === HIDDEN_INPUTS.scopeSeparator);
    expect(separator).toMatchObject({ shown: false, default: ',' });
    expect(inputs.find((input) => input.key === 'scopes')).toMatchObject({
      default: 'chat:write,channels:read',
    });
    expect(inputs.find((input) => input.key === HIDDEN_INPUTS.tokenResponse)?.shown).toBe(false);
  });

  it('uses the production Salesforce login host by default and the sandbox host when chosen', () => {
    const definition = wire(providers.salesforce!);
    const production = resolveConnection(definition, client);
    expect(production.environment).toBe('production');
    expect(production.authorizeUrl).toBe('https://login.salesforce.com/services/oauth2/authorize');
    expect(production.tokenUrl).toBe('https://login.salesforce.com/services/oauth2/token');
    const sandbox = resolveConnection(definition, { ...client, environment: 'sandbox' });
    expect(sandbox.environment).toBe('sandbox');
    expect(sandbox.tokenUrl).toBe('https://test.salesforce.com/services/oauth2/token');
    expect(sandbox.revokeUrl).toBe('https://test.salesforce.com/services/oauth2/revoke');
  });

  it('applies the environment even when the runtime passes the hidden host default as a value', () => {
    const definition = wire(providers.proximie!);
    const resolved = resolveConnection(definition, {
      ...client,
      environment: 'development',
      appHost: 'https://my.proximie.net',
    });
    expect(resolved.apiBaseUrl).toBe('https://my.proximiestaging.com');
    expect(resolved.tokenUrl).toBe('https://auth.proximiestaging.com/oauth/token');
    expect(resolveConnection(definition, client).apiBaseUrl).toBe('https://my.proximie.net');
  });

  it('rejects an environment the provider does not define, listing the valid ones', () => {
    const error = thrown(() =>
      resolveConnection(wire(providers.salesforce!), { ...client, environment: 'staging' }),
    );
    expect(error.code).toBe('KW_PROVIDER_ENVIRONMENT_UNKNOWN');
    expect(error.message).toContain('production, sandbox');
  });

  it('renders the sandbox issuer field into every URL', () => {
    const resolved = resolveConnection(wire(providers.sandbox!), {
      ...client,
      issuer: 'http://127.0.0.1:4555',
    });
    expect(resolved.authorizeUrl).toBe('http://127.0.0.1:4555/auth');
    expect(resolved.tokenUrl).toBe('http://127.0.0.1:4555/token');
    expect(resolved.revokeUrl).toBe('http://127.0.0.1:4555/token/revocation');
    expect(resolved.userinfoUrl).toBe('http://127.0.0.1:4555/me');
    expect(resolved.fields.apiBaseUrl).toBe('http://127.0.0.1:4555');
  });

  const tenant = defineProvider({
    key: 'acme',
    displayName: 'Acme',
    docsUrl: 'https://docs.acme.example/oauth',
    grantTypes: ['authorization_code', 'password', 'implicit'],
    allowImplicit: true,
    authorizeUrl: 'https://{{#subdomain}}.acme.example/oauth/authorize',
    tokenUrl: 'https://{{#subdomain}}.acme.example/oauth/token',
    fields: { subdomain: { label: 'Subdomain' } },
  });

  it('fills https://{{#subdomain}}.example.com style templates from connection fields', () => {
    const resolved = resolveConnection(wire(tenant), { ...client, subdomain: 'globex' });
    expect(resolved.tokenUrl).toBe('https://globex.acme.example/oauth/token');
    expect(resolved.authorizeUrl).toBe('https://globex.acme.example/oauth/authorize');
  });

  it('names the empty field when a template slot has no value', () => {
    const error = thrown(() => resolveConnection(wire(tenant), client));
    expect(error.code).toBe('KW_PROVIDER_TEMPLATE_UNRESOLVED');
    expect(error.message).toContain('{{#subdomain}}');
    expect(error.message).toContain('fill in subdomain');
  });

  it('rejects a rendered URL that is not absolute', () => {
    const error = thrown(() => resolveConnection(wire(tenant), { ...client, subdomain: 'bad host/' }));
    expect(error.code).toBe('KW_PROVIDER_URL_INVALID');
  });

  it('reports a missing client id or secret by name and never echoes the secret', () => {
    const noId = thrown(() =>
      resolveConnection(wire(providers.github!), { clientSecret: client.clientSecret }),
    );
    expect(noId.code).toBe('KW_PROVIDER_FIELD_MISSING');
    expect(noId.message).toContain('clientId');
    const noSecret = thrown(() => resolveConnection(wire(providers.github!), { clientId: 'client-123' }));
    expect(noSecret.code).toBe('KW_PROVIDER_FIELD_MISSING');
    expect(noSecret.message).toContain('clientSecret');
    const badValue = thrown(() =>
      resolveConnection(wire(providers.github!), {
        ...client,
        clientSecret: { nested: client.clientSecret },
      }),
    );
    expect(JSON.stringify(badValue)).not.toContain(client.clientSecret);
    expect(badValue.message).not.toContain(client.clientSecret);
  });

  it('needs no client secret for a public-client grant such as GitHub device flow', () => {
    const resolved = resolveConnection(wire(providers.github!, { grantType: 'device_code' }), {
      clientId: 'abc',
    });
    expect(resolved.clientAuthMethod).toBe('none');
    expect(resolved.clientSecret).toBeUndefined();
  });

  it('builds device, password and implicit grants as plain connections marked with keywayGrantType', () => {
    const device = wire(providers.github!, { grantType: 'device_code' });
    expect(device.oauth2Type).toBeUndefined();
    expect(device.key).toBe('githubDevice');
    expect(device.inputs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: HIDDEN_INPUTS.grantType, default: 'device_code', shown: false }),
      ]),
    );
    const password = resolveConnection(wire(tenant, { grantType: 'password' }), {
      ...client,
      subdomain: 'globex',
      username: 'ada',
      password: 'pw',
    });
    expect(password).toMatchObject({ grantType: 'password', username: 'ada', password: 'pw' });
    const missingUser = thrown(() =>
      resolveConnection(wire(tenant, { grantType: 'password' }), { ...client, subdomain: 'globex' }),
    );
    expect(missingUser.message).toContain('username is required for the password grant');
    const implicit = resolveConnection(wire(tenant, { grantType: 'implicit' }), {
      clientId: 'abc',
      subdomain: 'globex',
    });
    expect(implicit).toMatchObject({ grantType: 'implicit', allowImplicit: true });
    expect(implicit.tokenUrl).toBeUndefined();
  });

  it('refuses an implicit connection whose opt-in was turned off', () => {
    const error = thrown(() =>
      resolveConnection(wire(tenant, { grantType: 'implicit' }), {
        clientId: 'abc',
        subdomain: 'globex',
        [HIDDEN_INPUTS.allowImplicit]: 'false',
      }),
    );
    expect(error.code).toBe('KW_OAUTH_GRANT_DISABLED');
  });

  it('refuses to build a grant the provider does not support', () => {
    const error = thrown(() => toSpectralConnection(providers.spotify!, { grantType: 'authorization_code' }));
    expect(error.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(error.message).toContain('client_credentials');
  });

  it('resolves a hand-written spectral oauth2 connection with RFC defaults', () => {
    const handWritten = oauth2Connection({
      key: 'acmeOAuth',
      display: { label: 'Acme', description: 'Acme' },
      oauth2Type: OAuth2Type.AuthorizationCode,
      inputs: {
        authorizeUrl: {
          label: 'Authorize URL',
          type: 'string',
          default: 'https://acme.example/authorize',
          shown: false,
        },
        tokenUrl: { label: 'Token URL', type: 'string', default: 'https://acme.example/token', shown: false },
        scopes: { label: 'Scopes', type: 'string', default: 'read  write' },
        clientId: { label: 'Client ID', type: 'string', required: true },
        clientSecret: { label: 'Client secret', type: 'password', required: true },
      },
    });
    const resolved = resolveConnection(wireOf(handWritten), client);
    expect(resolved).toMatchObject({
      grantType: 'authorization_code',
      scopes: ['read', 'write'],
      scopeSeparator: ' ',
      scopeParam: 'scope',
      clientAuthMethod: 'client_secret_post',
      pkce: false,
      tokenUrl: 'https://acme.example/token',
    });
    expect(resolved.provider).toBeUndefined();
  });

  it('makes a connection without a client secret a public client, which must use PKCE', () => {
    const publicClient = (pkce: boolean): unknown =>
      wireOf(
        oauth2Connection({
          key: 'publicOAuth',
          display: { label: 'Public', description: 'Public client' },
          oauth2Type: OAuth2Type.AuthorizationCode,
          ...(pkce ? { oauth2PkceMethod: OAuth2PkceMethod.S256 } : {}),
          inputs: {
            authorizeUrl: {
              label: 'Authorize URL',
              type: 'string',
              default: 'https://acme.example/authorize',
            },
            tokenUrl: { label: 'Token URL', type: 'string', default: 'https://acme.example/token' },
            scopes: { label: 'Scopes', type: 'string', default: '' },
            clientId: { label: 'Client ID', type: 'string', required: true },
            clientSecret: { label: 'Secret', type: 'password', required: false, shown: false, default: '' },
          },
        }),
      );
    expect(resolveConnection(publicClient(true), { clientId: 'app' }).clientAuthMethod).toBe('none');
    expect(
      resolveConnection(publicClient(true), { clientId: 'app', clientSecret: 's3cret-value' })
        .clientAuthMethod,
    ).toBe('client_secret_post');
    const noPkce = thrown(() => resolveConnection(publicClient(false), { clientId: 'app' }));
    expect(noPkce.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(noPkce.message).toContain('public client must use PKCE');
    const overridden = resolveConnection(publicClient(true), {
      clientId: 'app',
      clientSecret: 's3cret-value',
      keywayClientAuthMethod: 'client_secret_query',
    });
    expect(overridden.clientAuthMethod).toBe('client_secret_query');
  });

  it('accepts key/value lists and objects as field values and reads the headers input as token headers', () => {
    const resolved = resolveConnection(wire(providers.github!), {
      ...client,
      headers: [{ key: 'X-Tenant', value: 'globex' }],
      tags: ['a', 'b'],
      settings: { nested: true },
    });
    expect(resolved.extraTokenHeaders).toMatchObject({ 'X-Tenant': 'globex' });
    const structuredId = thrown(() =>
      resolveConnection(wire(providers.github!), { ...client, clientId: [{ key: 'a', value: 'b' }] }),
    );
    expect(structuredId.message).toContain('clientId must be text');
  });

  it('refuses a connection that is not OAuth 2.0', () => {
    const apiKey = connection({
      key: 'apiKey',
      display: { label: 'API key', description: 'API key' },
      inputs: { apiKey: { label: 'API key', type: 'password', required: true } },
    });
    expect(thrown(() => resolveConnection(wireOf(apiKey), { apiKey: 'k' })).code).toBe(
      'KW_PROVIDER_NOT_OAUTH',
    );
  });

  it('rejects malformed hidden inputs instead of guessing', () => {
    const definition = wire(providers.slack!);
    const error = thrown(() =>
      resolveConnection(definition, { ...client, [HIDDEN_INPUTS.tokenResponse]: '{not json' }),
    );
    expect(error.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(error.message).toContain(HIDDEN_INPUTS.tokenResponse);
    const format = thrown(() =>
      resolveConnection(wire(providers.notion!), { ...client, [HIDDEN_INPUTS.tokenRequestFormat]: 'xml' }),
    );
    expect(format.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(format.message).toContain(`${HIDDEN_INPUTS.tokenRequestFormat} must be one of form, json`);
    expect(thrown(() => resolveConnection({ inputs: 'nope' }, client)).code).toBe(
      'KW_PROVIDER_DEFINITION_INVALID',
    );
  });

  it('accepts scopes given as a list and splits comma scopes around stray spaces', () => {
    const definition = wire(providers.slack!);
    expect(resolveConnection(definition, { ...client, scopes: 'chat:write , users:read' }).scopes).toEqual([
      'chat:write',
      'users:read',
    ]);
    expect(resolveConnection(definition, { ...client, scopes: ['a:b', 'c:d'] }).scopes).toEqual([
      'a:b',
      'c:d',
    ]);
  });
});
