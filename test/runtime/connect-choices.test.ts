/**
 * What the connect page offers a customer to choose (src/runtime/connect-choices.ts), on definitions built by
 * `toSpectralConnection`: the environment, a host label or a path segment; never a whole host or origin while the
 * platform's app (and its secret) is in use.
 */
import { component } from '@prismatic-io/spectral';
import { defineProvider, toSpectralConnection } from '../../connections';
import { checkChoices, componentFromExports, connectChoices } from '../../src/runtime';
import type { InheritedApp, WireConnection } from '../../src/runtime';
import type { Connection } from '../../src/store';

const vendor = defineProvider({
  key: 'vendor',
  displayName: 'Vendor',
  docsUrl: 'https://vendor.example/docs',
  grantTypes: ['authorization_code'],
  authorizeUrl: 'https://{{#domain}}/{{#tenant}}/authorize',
  tokenUrl: 'https://{{#sub}}.vendor.example/{{#tenant}}/token',
  fields: {
    domain: { label: 'Domain', example: 'login.vendor.example' },
    sub: { label: 'Subdomain', example: 'acme' },
    tenant: { label: 'Tenant', example: 'common' },
  },
  environments: {
    default: 'prod',
    options: {
      prod: { label: 'Production', hosts: { apiHost: 'https://api.vendor.example' } },
      test: { label: 'Sandbox', hosts: { apiHost: 'https://sandbox.vendor.example' } },
    },
  },
  apiBaseUrl: '{{#apiHost}}',
});

function definition(): WireConnection {
  const built = componentFromExports(
    {
      default: component({
        key: 'c',
        public: false,
        display: { label: 'c', description: 'c', iconPath: 'i.png' },
        connections: [toSpectralConnection(vendor, { key: 'vendorOAuth' })],
        actions: {},
      }),
    },
    'hash',
  );
  const found = built.connections.get('vendorOAuth');
  if (!found) throw new Error('no definition');
  return found;
}

const connection = { fields: {}, secretFields: {} } as unknown as Connection;
const platformApp: InheritedApp = { source: 'provider', values: { clientId: 'p', clientSecret: 's' } };

describe('connect choices', () => {
  it('offers the environment, a host label and a path segment, but never a whole host under a platform app', () => {
    const choices = connectChoices(definition(), connection, platformApp);
    expect(choices.map((choice) => [choice.key, choice.kind])).toEqual([
      ['sub', 'text'],
      ['tenant', 'text'],
      ['environment', 'select'],
    ]);
    // Without a platform app the customer's own client goes wherever they point it, so the host is theirs too.
    const own = connectChoices(definition(), connection, { source: 'none', values: {} });
    expect(own.map((choice) => choice.key)).toContain('domain');
    // A value the app fixes is not a choice.
    const fixed = connectChoices(definition(), connection, {
      source: 'definition',
      values: { environment: 'test', tenant: 'common' },
    });
    expect(fixed.map((choice) => choice.key)).toEqual(['sub']);
  });

  it('refuses a value shaped unlike its part of the URL, an unknown environment and an unoffered key', () => {
    const choices = connectChoices(definition(), connection, platformApp);
    expect(checkChoices(choices, { sub: 'acme-eu', tenant: 'common', environment: 'test' })).toEqual({
      sub: 'acme-eu',
      tenant: 'common',
      environment: 'test',
    });
    for (const bad of [
      { sub: 'evil.example/x?', tenant: 't' },
      { sub: 'acme', tenant: '..' },
      { sub: 'acme', tenant: 'a/b' },
      { sub: 'acme', tenant: 't', environment: 'staging' },
      { sub: 'acme', tenant: 't', domain: 'evil.example' },
      { tenant: 't' },
    ]) {
      let code: unknown;
      try {
        checkChoices(choices, bad);
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code).toBe('KW_CONNECT_CHOICE_INVALID');
    }
  });
});
