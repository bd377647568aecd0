import { isKeywayError } from '../../src/errors';
import { ProviderDefinitionSchema, defineProvider, type ProviderDefinitionInput } from '../../connections';
import { getProvider, providers } from '../../connections/catalog';
import { thrown } from '../support/errors';

const minimal: ProviderDefinitionInput = {
  key: 'acme',
  displayName: 'Acme',
  docsUrl: 'https://docs.acme.example/oauth',
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://acme.example/oauth/authorize',
  tokenUrl: 'https://acme.example/oauth/token',
};

describe('provider definitions', () => {
  it('ships github, salesforce, slack, spotify, proximie and sandbox, each a valid definition', () => {
    expect(Object.keys(providers)).toEqual(
      expect.arrayContaining(['github', 'proximie', 'salesforce', 'sandbox', 'slack', 'spotify']),
    );
    for (const [key, provider] of Object.entries(providers)) {
      const reparsed = ProviderDefinitionSchema.safeParse(provider);
      expect(reparsed.success).toBe(true);
      expect(provider.key).toBe(key);
      expect(provider.docsUrl).toMatch(/^https:\/\//);
    }
  });

  it('describes every default scope in plain words for the consent page', () => {
    for (const provider of Object.values(providers)) {
      for (const scope of provider.defaultScopes)
        expect(provider.scopeDescriptions[scope]).toEqual(expect.any(String));
    }
  });

  it('applies RFC defaults to a minimal definition', () => {
    const acme = defineProvider(minimal);
    expect(acme.scopeSeparator).toBe(' ');
    expect(acme.scopeParam).toBe('scope');
    expect(acme.clientAuthMethod).toBe('client_secret_basic');
    expect(acme.pkce).toBe(false);
    expect(acme.allowImplicit).toBe(false);
    expect(acme.tokenResponse).toEqual({ keepFields: [], errorCodes: {} });
  });

  it('rejects an authorization_code provider without an authorize URL, naming the field', () => {
    const { authorizeUrl: _omitted, ...rest } = minimal;
    const error = thrown(() => defineProvider(rest));
    expect(error.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(error.message).toContain('"acme"');
    expect(error.message).toContain('authorizeUrl is required for the authorization_code grant');
  });

  it('rejects a URL template whose slot is neither a field nor an environment host', () => {
    const error = thrown(() =>
      defineProvider({ ...minimal, tokenUrl: 'https://{{#subdomain}}.acme.example/oauth/token' }),
    );
    expect(error.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(error.message).toContain('tokenUrl: {{#subdomain}} is neither a field nor an environment host');
  });

  it('accepts a URL template whose slot is a declared field', () => {
    const acme = defineProvider({
      ...minimal,
      tokenUrl: 'https://{{#subdomain}}.acme.example/oauth/token',
      fields: { subdomain: { label: 'Subdomain' } },
    });
    expect(acme.fields.subdomain).toEqual({ label: 'Subdomain', type: 'string', required: true });
  });

  it('rejects a URL that is not absolute http(s)', () => {
    const error = thrown(() => defineProvider({ ...minimal, tokenUrl: 'acme.example/token' }));
    expect(error.message).toContain('tokenUrl: must be an absolute http(s) URL');
  });

  it('rejects the implicit grant unless the definition opts in', () => {
    const error = thrown(() => defineProvider({ ...minimal, grantTypes: ['implicit'] }));
    expect(error.message).toContain('allowImplicit');
    expect(defineProvider({ ...minimal, grantTypes: ['implicit'], allowImplicit: true }).grantTypes).toEqual([
      'implicit',
    ]);
  });

  it('rejects extra parameters that Keyway sets itself', () => {
    const error = thrown(() => defineProvider({ ...minimal, extraTokenParams: { client_secret: 'x' } }));
    expect(error.message).toContain('extraTokenParams.client_secret');
  });

  it('rejects environments whose host sets differ or whose default is not among them', () => {
    const error = thrown(() =>
      defineProvider({
        ...minimal,
        tokenUrl: '{{#host}}/token',
        environments: {
          default: 'prod',
          options: {
            production: { label: 'Production', hosts: { host: 'https://acme.example' } },
            staging: { label: 'Staging', hosts: { otherHost: 'https://staging.acme.example' } },
          },
        },
      }),
    );
    expect(error.code).toBe('KW_PROVIDER_DEFINITION_INVALID');
    expect(error.message).toContain('default environment "prod" is not one of: production, staging');
    expect(error.message).toContain('every environment must define the same hosts');
  });

  it('rejects PKCE on a provider without the authorization_code grant', () => {
    const error = thrown(() =>
      defineProvider({
        ...minimal,
        grantTypes: ['client_credentials'],
        authorizeUrl: undefined,
        pkce: 'S256',
      }),
    );
    expect(error.message).toContain('pkce applies only to the authorization_code grant');
  });

  it('reports an unknown provider key with the known ones', () => {
    const error = thrown(() => getProvider('no_such_provider'));
    expect(isKeywayError(error, 'KW_PROVIDER_UNKNOWN')).toBe(true);
    expect(error.message).toContain('github');
    expect(getProvider('slack')).toBe(providers.slack);
  });
});
