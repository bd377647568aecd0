/**
 * Provider definitions as data, the helper that turns one into a spectral connection, and its inverse.
 * Components import from here (`../../../connections`); the runtime uses {@link resolveConnection}.
 *
 * The whole catalog (every provider, `providers`, `getProvider`) is in `./catalog`, not here: a component bundles
 * what it imports, and should carry the one or two providers it uses, not all of them. Discovery (which needs the
 * OAuth engine's HTTP transport) is in `./discovery` for the same reason.
 */
import { github } from './catalog/github';
import { proximie } from './catalog/proximie';
import { salesforce } from './catalog/salesforce';
import { sandbox } from './catalog/sandbox';
import { slack } from './catalog/slack';
import { smartenit } from './catalog/smartenit';
import { spotify } from './catalog/spotify';

export * from './schema';
export * from './spectral';
export * from './resolve';
export { github, proximie, salesforce, sandbox, slack, smartenit, spotify };
