/**
 * A test-only component written with plain spectral, as a real one is, whose connections cover what
 * `components validate` and `components publish` must tell apart: one a customer connects after filling in a
 * tenant and the client credentials, one whose client id only the platform can set (hidden, no default), and one
 * that can never connect whatever anyone types (its token URL is not a URL).
 */
import { OAuth2Type, action, component, input, oauth2Connection } from '@prismatic-io/spectral';

const tenantOAuth = oauth2Connection({
  key: 'tenantOAuth',
  display: { label: 'Tenant OAuth', description: 'Sign in at your tenant' },
  oauth2Type: OAuth2Type.AuthorizationCode,
  inputs: {
    tenant: { label: 'Tenant', type: 'string', required: true, shown: true },
    authorizeUrl: {
      label: 'Authorize URL',
      type: 'template',
      templateValue: 'https://{{#tenant}}.acme.example/oauth/authorize',
    },
    tokenUrl: {
      label: 'Token URL',
      type: 'template',
      templateValue: 'https://{{#tenant}}.acme.example/oauth/token',
    },
    scopes: { label: 'Scopes', type: 'string', required: false, default: 'read' },
    clientId: { label: 'Client ID', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: true },
  },
});

const platformApp = oauth2Connection({
  key: 'platformApp',
  display: { label: 'Platform app', description: 'The platform’s own app' },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    tokenUrl: {
      label: 'Token URL',
      type: 'string',
      required: true,
      shown: false,
      default: 'https://auth.acme.example/token',
    },
    scopes: { label: 'Scopes', type: 'string', required: false, default: '' },
    clientId: { label: 'Client ID', type: 'string', required: true, shown: false },
    clientSecret: { label: 'Client secret', type: 'password', required: false, shown: false },
  },
});

const brokenTokenUrl = oauth2Connection({
  key: 'brokenTokenUrl',
  display: { label: 'Broken', description: 'Its token URL is not a URL' },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    tokenUrl: {
      label: 'Token URL',
      type: 'string',
      required: true,
      shown: false,
      default: 'acme token endpoint',
    },
    scopes: { label: 'Scopes', type: 'string', required: false, default: '' },
    clientId: { label: 'Client ID', type: 'string', required: true },
    clientSecret: { label: 'Client secret', type: 'password', required: true },
  },
});

const ping = action({
  display: { label: 'Ping', description: 'Answers pong' },
  inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
  perform: async () => Promise.resolve({ data: 'pong' }),
});

export default component({
  key: 'connectability',
  public: false,
  display: {
    label: 'Connectability',
    description: 'Connections that can and cannot connect',
    iconPath: 'icon.png',
  },
  connections: [tenantOAuth, platformApp, brokenTokenUrl],
  actions: { ping },
});
