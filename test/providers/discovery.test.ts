/**
 * A definition that gives only its issuer gets its endpoints from the issuer's metadata, fetched from a real
 * authorization server (oidc-provider, src/sandbox), checked against the issuer and cached.
 */
import { component } from '@prismatic-io/spectral';
import { defineProvider, resolveConnection, toSpectralConnection } from '../../connections';
import { discoverProvider, memoryDiscoveryCache } from '../../src/providers';
import {
  clientAuthFor,
  clientCredentialsGrant,
  httpTransport,
  type HttpRequest,
  type Transport,
} from '../../src/oauth';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { caught, thrown } from '../support/errors';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

/** A provider that names its issuer and no endpoint. */
const issuerOnly = defineProvider({
  key: 'issuerOnly',
  displayName: 'Issuer only',
  docsUrl: 'https://github.com/panva/node-oidc-provider/blob/main/docs/README.md',
  grantTypes: ['authorization_code', 'client_credentials', 'device_code'],
  issuer: '{{#issuer}}',
  fields: { issuer: { label: 'Issuer', example: 'http://127.0.0.1:4100' } },
  defaultScopes: ['api:read'],
  clientAuthMethod: 'client_secret_basic',
  pkce: 'S256',
});

/** The real HTTP transport, recording every request it sends. */
function recording(): { transport: Transport; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  return {
    sent,
    transport: (request, options) => {
      sent.push(request);
      return httpTransport(request, options);
    },
  };
}

describe('discoverProvider', () => {
  it("fills an issuer-only definition's endpoints from the sandbox's metadata, each cited", async () => {
    const filled = await discoverProvider(issuerOnly, {
      fieldValues: { issuer: sandbox.issuer },
      cache: memoryDiscoveryCache(),
    });
    expect(filled.authorizeUrl).toBe(sandbox.server.authorizationEndpoint);
    expect(filled.tokenUrl).toBe(sandbox.server.tokenEndpoint);
    expect(filled.revokeUrl).toBe(sandbox.server.revocationEndpoint);
    expect(filled.deviceAuthorizationUrl).toBe(sandbox.server.deviceAuthorizationEndpoint);
    expect(filled.userinfoUrl).toBe(sandbox.server.userinfoEndpoint);
    const document = `${sandbox.issuer}/.well-known/openid-configuration`;
    expect(filled.sources).toMatchObject({ authorizeUrl: document, tokenUrl: document, revokeUrl: document });
  });

  it('gives a definition that renders to a connection whose client credentials grant works', async () => {
    const filled = await discoverProvider(issuerOnly, {
      fieldValues: { issuer: sandbox.issuer },
      cache: memoryDiscoveryCache(),
    });
    const built = component({
      key: 'probe',
      display: { label: 'Probe', description: 'Probe', iconPath: 'icon.png' },
      connections: [toSpectralConnection(filled, { grantType: 'client_credentials' })],
      actions: {},
    }) as unknown as { connections: unknown[] };
    const service = sandbox.clients.service;
    const config = resolveConnection(built.connections[0], {
      clientId: service.clientId,
      clientSecret: service.clientSecret,
      issuer: sandbox.issuer,
    });
    const tokens = await clientCredentialsGrant(
      { tokenEndpoint: config.tokenUrl },
      { clientId: config.clientId, auth: clientAuthFor(config.clientAuthMethod, config.clientSecret) },
      { scopes: config.scopes },
    );
    expect(tokens.accessToken).toEqual(expect.any(String));
  });

  it('fetches the metadata once and again only after the cache entry expires', async () => {
    const cache = memoryDiscoveryCache(60_000);
    const { transport, sent } = recording();
    let now = 1_000_000;
    const options = { fieldValues: { issuer: sandbox.issuer }, cache, transport, now: () => now };
    await discoverProvider(issuerOnly, options);
    await discoverProvider(issuerOnly, options);
    expect(sent).toHaveLength(1);
    now += 60_001;
    await discoverProvider(issuerOnly, options);
    expect(sent).toHaveLength(2);
  });

  it('keeps the URLs the definition sets itself', async () => {
    const own = defineProvider({
      ...issuerOnly,
      tokenUrl: 'https://tokens.example/token',
      sources: { tokenUrl: 'https://docs.example/token' },
    });
    const filled = await discoverProvider(own, {
      fieldValues: { issuer: sandbox.issuer },
      cache: memoryDiscoveryCache(),
    });
    expect(filled.tokenUrl).toBe('https://tokens.example/token');
    expect(filled.sources.tokenUrl).toBe('https://docs.example/token');
    expect(filled.authorizeUrl).toBe(sandbox.server.authorizationEndpoint);
  });

  it('refuses metadata that names another issuer than the one asked for', async () => {
    // Same server, other spelling: the document says 127.0.0.1, the definition asked for localhost.
    const other = sandbox.issuer.replace('127.0.0.1', 'localhost');
    const error = await caught(
      discoverProvider(issuerOnly, { fieldValues: { issuer: other }, cache: memoryDiscoveryCache() }),
    );
    expect(error.code).toBe('KW_OAUTH_DISCOVERY_FAILED');
    expect(error.message).toContain('different issuer');
  });

  it('fails naming the endpoint a grant needs when the metadata lacks it', async () => {
    const transport: Transport = async (request, options) => {
      const response = await httpTransport(request, options);
      const metadata = JSON.parse(response.body) as Record<string, unknown>;
      delete metadata.device_authorization_endpoint;
      return { ...response, body: JSON.stringify(metadata) };
    };
    const error = await caught(
      discoverProvider(issuerOnly, {
        fieldValues: { issuer: sandbox.issuer },
        cache: memoryDiscoveryCache(),
        transport,
      }),
    );
    expect(error.code).toBe('KW_OAUTH_DISCOVERY_FAILED');
    expect(error.message).toContain('deviceAuthorizationUrl');
  });

  it('asks for the issuer field when it is not filled in', async () => {
    const error = await caught(
      discoverProvider({ ...issuerOnly, fields: {} }, { cache: memoryDiscoveryCache() }),
    );
    expect(error.code).toBe('KW_PROVIDER_TEMPLATE_UNRESOLVED');
    expect(error.message).toContain('fill in issuer');
  });

  it('renders an issuer-only definition as is, leaving its endpoints to the runtime to discover', () => {
    const wire = (
      component({
        key: 'probe',
        display: { label: 'Probe', description: 'Probe', iconPath: 'icon.png' },
        connections: [toSpectralConnection(issuerOnly, { grantType: 'client_credentials' })],
        actions: {},
      }) as unknown as { connections: unknown[] }
    ).connections[0];
    const config = resolveConnection(wire, {
      issuer: 'http://127.0.0.1:4100',
      clientId: 'c',
      clientSecret: 's',
    });
    expect(config.issuer).toBe('http://127.0.0.1:4100');
    expect(config.tokenUrl).toBeUndefined();
    const bad = thrown(() =>
      resolveConnection(wire, { issuer: 'not a url', clientId: 'c', clientSecret: 's' }),
    );
    expect(bad.code).toBe('KW_PROVIDER_URL_INVALID');
  });
});
