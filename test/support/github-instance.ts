/**
 * A customer instance of the shipped GitHub component (its built bundle, as Keyway loads a published component)
 * with one connection, `octocat`, authorized against the GitHub fake through the browser flow: the setup of the
 * tests that run the component's triggers.
 */
import type { ComponentRegistry } from '../../src/runtime';
import { ConnectFlows, createInstance } from '../../src/runtime';
import { followAuthorization } from '../../src/sandbox';
import type { Store } from '../../src/store';
import { loadBuiltComponent } from './built-components';
import { githubFakeFields } from './vendors/github';
import type { GitHubFake } from './vendors/github';

const REDIRECT_URI = 'http://keyway.test/oauth/callback';

/**
 * Registers the built GitHub component, creates a customer and an instance named `name` whose `octocat`
 * connection points at `fake`, and connects it; returns the instance's id and the connection's.
 */
export async function connectedGitHubInstance(
  { store, components }: { readonly store: Store; readonly components: ComponentRegistry },
  fake: GitHubFake,
  name: string,
): Promise<{ instanceId: string; connectionId: string }> {
  // Only these two: a harness handed in whole would give the runtime its clock and options too.
  const deps = { store, components };
  components.registerExports({ default: loadBuiltComponent('github') }, 'github-dist');
  const customer = await store.createCustomer({ name: `${name} customer` });
  const created = await createInstance(deps, {
    customerId: customer.id,
    name,
    components: ['github'],
    connections: [
      {
        name: 'octocat',
        componentKey: 'github',
        definitionKey: 'githubOAuth',
        fields: githubFakeFields(fake),
      },
    ],
  });
  const connectionId = created.connections[0]?.id ?? '';
  const flows = new ConnectFlows(deps);
  const browserBinding = `${name} browser`;
  const { authorizationUrl } = await flows.startAuthorization({
    connectionId,
    browserBinding,
    redirectUri: REDIRECT_URI,
  });
  const callback = await followAuthorization(authorizationUrl, { redirectUri: REDIRECT_URI });
  await flows.completeAuthorization(callback, { browserBinding });
  return { instanceId: created.instance.id, connectionId };
}
