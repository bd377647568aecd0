/**
 * Provider definitions as data, with the code components need to use them (from src/providers): the schema, the
 * helper that turns a definition into a spectral connection, and its inverse. Components import from here
 * (`../../../connections`); the runtime uses src/providers.
 *
 * The whole catalog (every provider, `providers`, `getProvider`) is in `./catalog`, not here: a component bundles
 * what it imports, and should carry the one or two providers it uses, not all of them. Discovery (which needs the
 * OAuth engine's HTTP transport) is in src/providers/discovery.ts for the same reason.
 */
import { github } from './catalog/github';
import { proximie } from './catalog/proximie';
import { salesforce } from './catalog/salesforce';
import { sandbox } from './catalog/sandbox';
import { slack } from './catalog/slack';
import { smartenit } from './catalog/smartenit';
import { spotify } from './catalog/spotify';

export * from '../src/providers/schema';
export * from '../src/providers/spectral';
export * from '../src/providers/resolve';
export { github, proximie, salesforce, sandbox, slack, smartenit, spotify };
