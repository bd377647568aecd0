/**
 * The provider catalog: every provider Keyway ships, one file each in this folder, listed here in key order.
 * How to add one: connections/README.md. The catalog tests (test/connections/catalog.test.ts) and the page
 * docs/providers.md (`npm run docs:providers`) cover every entry listed here.
 */
import { KeywayError } from '../../src/errors';
import { URL_INPUTS } from '../inputs';
import type { ProviderDefinition } from '../schema';
import { airtable } from './airtable';
import { amazon } from './amazon';
import { asana } from './asana';
import { atlassian } from './atlassian';
import { auth0 } from './auth0';
import { basecamp } from './basecamp';
import { bitbucket } from './bitbucket';
import { box } from './box';
import { brex } from './brex';
import { calendly } from './calendly';
import { canva } from './canva';
import { clickUp } from './clickUp';
import { constantContact } from './constantContact';
import { deel } from './deel';
import { digitalOcean } from './digitalOcean';
import { discord } from './discord';
import { docuSign } from './docuSign';
import { dropbox } from './dropbox';
import { ebay } from './ebay';
import { etsy } from './etsy';
import { facebook } from './facebook';
import { figma } from './figma';
import { fitbit } from './fitbit';
import { freshBooks } from './freshBooks';
import { github } from './github';
import { gitlab } from './gitlab';
import { gong } from './gong';
import { google } from './google';
import { gusto } from './gusto';
import { harvest } from './harvest';
import { helpScout } from './helpScout';
import { heroku } from './heroku';
import { hubspot } from './hubspot';
import { instagram } from './instagram';
import { intercom } from './intercom';
import { jobber } from './jobber';
import { keap } from './keap';
import { klaviyo } from './klaviyo';
import { linear } from './linear';
import { linkedIn } from './linkedIn';
import { lucid } from './lucid';
import { mailchimp } from './mailchimp';
import { mastodon } from './mastodon';
import { mercadoLibre } from './mercadoLibre';
import { microsoft } from './microsoft';
import { miro } from './miro';
import { monday } from './monday';
import { mural } from './mural';
import { myob } from './myob';
import { netSuite } from './netSuite';
import { nextcloud } from './nextcloud';
import { notion } from './notion';
import { okta } from './okta';
import { oneLogin } from './oneLogin';
import { ory } from './ory';
import { osu } from './osu';
import { outreach } from './outreach';
import { pagerDuty } from './pagerDuty';
import { pandaDoc } from './pandaDoc';
import { payPal } from './payPal';
import { peerTube } from './peerTube';
import { pinterest } from './pinterest';
import { pipedrive } from './pipedrive';
import { podio } from './podio';
import { procore } from './procore';
import { proximie } from './proximie';
import { quickBooks } from './quickBooks';
import { ramp } from './ramp';
import { reddit } from './reddit';
import { ringCentral } from './ringCentral';
import { sage } from './sage';
import { salesforce } from './salesforce';
import { salesloft } from './salesloft';
import { sandbox } from './sandbox';
import { serviceNow } from './serviceNow';
import { serviceTitan } from './serviceTitan';
import { shopify } from './shopify';
import { slack } from './slack';
import { smartenit } from './smartenit';
import { soundCloud } from './soundCloud';
import { spotify } from './spotify';
import { square } from './square';
import { strava } from './strava';
import { stripe } from './stripe';
import { supabase } from './supabase';
import { surveyMonkey } from './surveyMonkey';
import { teamwork } from './teamwork';
import { todoist } from './todoist';
import { tumblr } from './tumblr';
import { twitch } from './twitch';
import { typeform } from './typeform';
import { uber } from './uber';
import { vimeo } from './vimeo';
import { webex } from './webex';
import { webflow } from './webflow';
import { wordPressCom } from './wordPressCom';
import { wrike } from './wrike';
import { x } from './x';
import { xero } from './xero';
import { yahoo } from './yahoo';
import { yandex } from './yandex';
import { zendesk } from './zendesk';
import { zitadel } from './zitadel';
import { zoho } from './zoho';
import { zoom } from './zoom';

/** Every provider in the catalog, sorted by key. */
export const catalog: readonly ProviderDefinition[] = Object.freeze([
  airtable,
  amazon,
  asana,
  atlassian,
  auth0,
  basecamp,
  bitbucket,
  box,
  brex,
  calendly,
  canva,
  clickUp,
  constantContact,
  deel,
  digitalOcean,
  discord,
  docuSign,
  dropbox,
  ebay,
  etsy,
  facebook,
  figma,
  fitbit,
  freshBooks,
  github,
  gitlab,
  gong,
  google,
  gusto,
  harvest,
  helpScout,
  heroku,
  hubspot,
  instagram,
  intercom,
  jobber,
  keap,
  klaviyo,
  linear,
  linkedIn,
  lucid,
  mailchimp,
  mastodon,
  mercadoLibre,
  microsoft,
  miro,
  monday,
  mural,
  myob,
  netSuite,
  nextcloud,
  notion,
  okta,
  oneLogin,
  ory,
  osu,
  outreach,
  pagerDuty,
  pandaDoc,
  payPal,
  peerTube,
  pinterest,
  pipedrive,
  podio,
  procore,
  proximie,
  quickBooks,
  ramp,
  reddit,
  ringCentral,
  sage,
  salesforce,
  salesloft,
  sandbox,
  serviceNow,
  serviceTitan,
  shopify,
  slack,
  smartenit,
  soundCloud,
  spotify,
  square,
  strava,
  stripe,
  supabase,
  surveyMonkey,
  teamwork,
  todoist,
  tumblr,
  twitch,
  typeform,
  uber,
  vimeo,
  webex,
  webflow,
  wordPressCom,
  wrike,
  x,
  xero,
  yahoo,
  yandex,
  zendesk,
  zitadel,
  zoho,
  zoom,
]);

/** Every provider in the catalog, by key. */
export const providers: Readonly<Record<string, ProviderDefinition>> = Object.freeze(
  Object.fromEntries(catalog.map((provider) => [provider.key, provider])),
);

/**
 * The catalog provider with this key.
 * @throws KeywayError `KW_PROVIDER_UNKNOWN` listing the known keys.
 */
export function getProvider(key: string): ProviderDefinition {
  const provider = Object.hasOwn(providers, key) ? providers[key] : undefined;
  if (!provider) {
    throw new KeywayError('KW_PROVIDER_UNKNOWN', {
      message: `No provider "${key}"; known providers: ${Object.keys(providers).join(', ')}`,
      details: { provider: key },
    });
  }
  return provider;
}

/**
 * What a catalog entry must have beyond a valid definition: a `sources` link for every URL it sets (and for its
 * issuer and environments), plain words for every default scope, an example for every field (the tests and the
 * docs page render the URLs with it), and https documentation links. Returns the problems, empty when none.
 */
export function catalogIssues(provider: ProviderDefinition): string[] {
  const issues: string[] = [];
  const cite = (field: 'issuer' | 'environments' | (typeof URL_INPUTS)[number]): void => {
    if (provider[field] !== undefined && provider.sources[field] === undefined)
      issues.push(`${field} has no sources.${field}: name the vendor page it came from`);
  };
  for (const field of URL_INPUTS) cite(field);
  cite('issuer');
  cite('environments');
  for (const [field, url] of [['docsUrl', provider.docsUrl], ...Object.entries(provider.sources)]) {
    if (url !== undefined && !url.startsWith('https://') && !url.startsWith('src/'))
      issues.push(`${field}: ${url} is not an https link`);
  }
  for (const scope of provider.defaultScopes) {
    if (provider.scopeDescriptions[scope] === undefined)
      issues.push(`default scope "${scope}" has no scopeDescriptions entry`);
  }
  for (const [name, field] of Object.entries(provider.fields)) {
    if (field.example === undefined && field.default === undefined)
      issues.push(`field "${name}" has neither an example nor a default`);
  }
  return issues;
}
