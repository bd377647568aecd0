import { resolveConnection } from '../../../connections';
import { loadBuiltComponent } from '../../../test/support/built-components';

// The actions run against a real sandbox in test/components/sandbox-demo.test.ts (components may not import
// src/, where the sandbox lives).
describe('sandbox demo component bundle', () => {
  it('loads from dist with connections that target the sandbox issuer given as a field', () => {
    const built = loadBuiltComponent('sandbox-demo');
    expect(built.key).toBe('sandboxDemo');
    expect(Object.keys(built.actions).sort()).toEqual(['getMe', 'getUserinfo']);
    expect(built.connections.map((c) => [c.key, c.oauth2Type])).toEqual([
      ['sandboxOAuth', 'authorization_code'],
      ['sandboxClientCredentials', 'client_credentials'],
    ]);
    const resolved = resolveConnection(built.connections[0], {
      issuer: 'http://127.0.0.1:5999',
      clientId: 'a',
      clientSecret: 'b',
    });
    expect(resolved).toMatchObject({
      authorizeUrl: 'http://127.0.0.1:5999/auth',
      tokenUrl: 'http://127.0.0.1:5999/token',
      revokeUrl: 'http://127.0.0.1:5999/token/revocation',
      pkce: 'S256',
      extraAuthorizeParams: { prompt: 'consent' },
    });
  });
});
