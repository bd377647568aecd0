/**
 * What the connect page tells a customer when a flow fails. A customer cannot fix a connection's setup (a missing
 * client id, a URL template with nothing to fill it): they get a sentence saying who can, while the operator finds
 * the code and the field in the server log and in the API's error details. A refused or failed sign-in at the
 * provider is said in plain words (the provider's own description follows in small print); errors a customer can
 * act on (a form to fill in) keep their own message.
 */
import type { ErrorCode, KeywayError } from '../../errors';

/** Codes that mean the connection's setup is incomplete or wrong: the platform team, not the customer, fixes it. */
const SETUP_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'KW_PROVIDER_FIELD_MISSING',
  'KW_PROVIDER_TEMPLATE_UNRESOLVED',
  'KW_PROVIDER_URL_INVALID',
  'KW_PROVIDER_DEFINITION_INVALID',
  'KW_PROVIDER_ENVIRONMENT_UNKNOWN',
  'KW_PROVIDER_NOT_OAUTH',
  'KW_OAUTH_GRANT_DISABLED',
  'KW_CONNECTION_INVALID',
  'KW_CONFIG_INVALID',
]);

/** The sentence the connect page shows a customer for `error`. */
export function customerMessage(error: KeywayError, platformName: string): string {
  if (SETUP_ERRORS.has(error.code)) {
    return `This connection is not fully set up yet, so it cannot connect. Please tell ${platformName}: they can complete its setup, then you can connect from this page.`;
  }
  if (error.code === 'KW_OAUTH_ACCESS_DENIED') {
    return 'You chose not to allow access, so nothing was connected. You can connect again from your connections page whenever you are ready.';
  }
  if (error.code === 'KW_OAUTH_CALLBACK_ERROR') {
    return `The provider could not finish signing you in, so nothing was connected. Try again; if it keeps happening, please tell ${platformName}.`;
  }
  if (error.code === 'KW_OAUTH_INVALID_CLIENT') {
    return `The provider did not accept the app's client ID or secret. If you typed them on this page, check them and try again; otherwise please tell ${platformName}.`;
  }
  return error.message;
}

/**
 * What the operator needs to fix a failed flow, for the server log: the code and the field, input or template
 * slot the error names (never a value).
 */
export function operatorFacts(error: KeywayError): Record<string, unknown> {
  const details = error.details ?? {};
  const facts: Record<string, unknown> = { code: error.code };
  for (const name of ['connection', 'field', 'input', 'slot', 'connectionId'] as const) {
    if (typeof details[name] === 'string') facts[name] = details[name];
  }
  return facts;
}
