/**
 * `keyway sandbox`'s redirect URIs: the Keyway it serves is reached at the configured public URL when there is
 * one, so that is the callback its clients accept by default (not a fixed loopback port).
 */
import { sandboxOptionsFromFlags } from '../../src/cli/commands/sandbox';

describe('keyway sandbox redirect URIs', () => {
  it("accepts Keyway's callback at KEYWAY_PUBLIC_URL by default", () => {
    const options = sandboxOptionsFromFlags({}, { KEYWAY_PUBLIC_URL: 'https://keyway.example.test:8443/' });
    expect(options.redirectUris).toEqual(['https://keyway.example.test:8443/oauth/callback']);
  });

  it('accepts the loopback default port without a public URL, and exactly the given URIs when named', () => {
    expect(sandboxOptionsFromFlags({}, {}).redirectUris).toEqual(['http://127.0.0.1:3000/oauth/callback']);
    const named = sandboxOptionsFromFlags(
      { redirectUri: ['http://127.0.0.1:3111/oauth/callback'] },
      { KEYWAY_PUBLIC_URL: 'https://keyway.example.test' },
    );
    expect(named.redirectUris).toEqual(['http://127.0.0.1:3111/oauth/callback']);
  });
});
