/**
 * What a customer decides on the connect page, beyond signing in: the provider's environment (sandbox or
 * production, a regional data centre) and the values that fill a URL template (a subdomain, a tenant). Only what
 * the platform's OAuth app does not fix is offered, and a value that would send the platform's client secret to a
 * host of the customer's choosing never is: a slot standing for a whole host or origin is the platform's to set
 * when the app is the platform's.
 *
 * The chosen values are checked here (an environment the definition lists, a slot value shaped like the part of
 * the URL it fills) and used for the authorize and token URLs of that one flow; they are saved with the
 * connection when it connects.
 */
// Not the connections index: it loads spectral, which the runtime does not need.
import { ENVIRONMENT_INPUT, TEMPLATE_SLOT, isHttpUrl } from '../providers';
import { KeywayError } from '../errors';
import type { Connection, Store } from '../store';
import { inheritedApp } from './app-values';
import type { InheritedApp } from './app-values';
import { definitionOf } from './client-config';
import type { ComponentRegistry } from './components';
import type { WireConnection, WireInput } from './types';

/** One value the customer chooses: a select (environment) or a text field (a URL template slot). */
export interface ConnectChoice {
  readonly key: string;
  readonly label: string;
  readonly kind: 'select' | 'text';
  /** The select's options. */
  readonly options: readonly { readonly value: string; readonly label: string }[];
  /** The current value: the connection's, else the definition's default; null when there is none. */
  readonly value: string | null;
  readonly required: boolean;
  /** A text value must match this (an HTML `pattern`: the whole value). */
  readonly pattern?: string;
  /** What a value looks like (the provider field's example). */
  readonly example?: string;
  readonly comments?: string;
}

/** Where a `{{#slot}}` sits in a URL: the whole origin, the whole host, part of the host, or part of the path. */
type SlotPlace = 'origin' | 'host' | 'label' | 'path';

// Written for HTML's `pattern` too, which browsers compile with the `v` flag: a `-` in a class is escaped.
const HOST_LABELS =
  '[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?)*';
const PATTERNS: Record<Exclude<SlotPlace, 'origin'>, string> = {
  host: HOST_LABELS,
  label: HOST_LABELS,
  // One path segment, never `.` or `..`.
  path: '[A-Za-z0-9_~\\-][A-Za-z0-9._~\\-]*',
};
const SHAPES: Record<SlotPlace, string> = {
  origin: 'an http(s) address such as https://example.com',
  host: 'a host name such as example.com',
  label: 'letters, digits and hyphens, such as acme',
  path: 'letters, digits, hyphens, dots and underscores',
};

/** Inputs that are never a choice: the client's identity, the scopes, the resource owner's credentials. */
const NEVER_CHOSEN = new Set([
  'clientId',
  'clientSecret',
  'scopes',
  'username',
  'password',
  ENVIRONMENT_INPUT,
]);

/** Where `name` sits in `template`. */
function placeIn(template: string, name: string): SlotPlace | undefined {
  const slot = `{{#${name}}}`;
  const at = template.indexOf(slot);
  if (at < 0) return undefined;
  if (at === 0) return 'origin';
  const scheme = template.indexOf('://');
  const hostEnd = template.indexOf('/', scheme + 3);
  const host = template.slice(scheme + 3, hostEnd < 0 ? undefined : hostEnd);
  if (at > hostEnd && hostEnd >= 0) return 'path';
  return host === slot ? 'host' : 'label';
}

const RISK: readonly SlotPlace[] = ['path', 'label', 'host', 'origin'];

/** The riskiest place each slot takes in the definition's templates (a URL, the issuer). */
function slotPlaces(definition: WireConnection): Map<string, SlotPlace> {
  const places = new Map<string, SlotPlace>();
  for (const input of definition.inputs) {
    if (typeof input.default !== 'string' || !input.default.includes('{{#')) continue;
    for (const match of input.default.matchAll(TEMPLATE_SLOT)) {
      const name = match[1] ?? '';
      const place = placeIn(input.default, name);
      const known = places.get(name);
      if (place && (known === undefined || RISK.indexOf(place) > RISK.indexOf(known)))
        places.set(name, place);
    }
  }
  return places;
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function environmentChoice(input: WireInput, stored: string | null): ConnectChoice | undefined {
  const model: unknown = (input as { model?: unknown }).model;
  if (!Array.isArray(model)) return undefined;
  const options = model.flatMap((option: unknown) => {
    const { value, label } = (option ?? {}) as { value?: unknown; label?: unknown };
    return typeof value === 'string' ? [{ value, label: typeof label === 'string' ? label : value }] : [];
  });
  if (options.length === 0) return undefined;
  return {
    key: input.key,
    label: input.label,
    kind: 'select',
    options,
    value: stored ?? textOf(input.default),
    required: true,
  };
}

/**
 * The values the customer chooses for `connection` on the connect page, given the app it inherits: the
 * environment unless the app sets it, and each URL template field the app does not set. A field that stands for a
 * whole host or origin is offered only without a platform app, and only while it has no value.
 */
export function connectChoices(
  definition: WireConnection,
  connection: Connection,
  inherited: InheritedApp,
): ConnectChoice[] {
  const owned = new Set(Object.keys(inherited.values));
  const stored = (key: string): string | null =>
    textOf(connection.fields[key]) ?? textOf(connection.secretFields[key]);
  const places = slotPlaces(definition);
  const choices: ConnectChoice[] = [];
  for (const input of definition.inputs) {
    if (owned.has(input.key) || input.shown === false) continue;
    if (input.key === ENVIRONMENT_INPUT) {
      const choice = environmentChoice(input, stored(input.key));
      if (choice) choices.push(choice);
      continue;
    }
    const place = places.get(input.key);
    if (place === undefined || input.type !== 'string' || NEVER_CHOSEN.has(input.key)) continue;
    const value = stored(input.key) ?? textOf(input.default);
    const open = place === 'origin' || place === 'host';
    if (open && (inherited.source !== 'none' || value !== null)) continue;
    const example = (input as { example?: unknown }).example;
    choices.push({
      key: input.key,
      label: input.label,
      kind: 'text',
      options: [],
      value,
      required: input.required === true,
      ...(place === 'origin' ? {} : { pattern: PATTERNS[place] }),
      ...(typeof example === 'string' && example !== '' ? { example } : {}),
      comments: `Use ${SHAPES[place]}.`,
    });
  }
  return choices;
}

function refuse(message: string, field: string): KeywayError {
  return new KeywayError('KW_CONNECT_CHOICE_INVALID', { message, details: { field } });
}

/**
 * Checks chosen values against the choices: a key that is not a choice, an environment the definition does not
 * list, or a text value not shaped like its part of the URL is refused (`KW_CONNECT_CHOICE_INVALID`, naming the
 * field); a required choice with neither a value nor a current one is too. Returns the values to use.
 */
export function checkChoices(
  choices: readonly ConnectChoice[],
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const byKey = new Map(choices.map((choice) => [choice.key, choice]));
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    const choice = byKey.get(key);
    if (!choice) throw refuse(`"${key}" is not something to choose for this connection`, key);
    if (choice.kind === 'select' && !choice.options.some((option) => option.value === value)) {
      throw refuse(
        `${choice.label}: choose one of ${choice.options.map((option) => option.label).join(', ')}`,
        key,
      );
    }
    const shaped =
      choice.kind === 'select' ||
      (choice.pattern === undefined
        ? isHttpUrl(value) && !value.includes('{{')
        : new RegExp(`^(?:${choice.pattern})$`, 'v').test(value));
    if (!shaped) throw refuse(`${choice.label}: ${choice.comments ?? 'not a valid value'}`, key);
    checked[key] = value;
  }
  for (const choice of choices) {
    if (choice.required && checked[choice.key] === undefined && choice.value === null) {
      throw refuse(`Fill in: ${choice.label}`, choice.key);
    }
  }
  return checked;
}

/**
 * The checked choices for one flow of `connection` (see {@link checkChoices}), with the app it inherits looked
 * up; `{}` when the customer chose nothing and nothing is required.
 */
export async function chosenValues(
  deps: { readonly store: Store; readonly components: ComponentRegistry },
  connection: Connection,
  values: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const definition = await definitionOf(deps.components, connection);
  const inherited = await inheritedApp(deps.store, connection.componentKey, definition);
  return checkChoices(connectChoices(definition, connection, inherited), values);
}

/** The choices a flow's session carries to its callback (written by the runtime, read back here). */
export function sessionChoices(extra: Readonly<Record<string, unknown>>): Record<string, string> {
  const choices = extra['choices'];
  if (typeof choices !== 'object' || choices === null) return {};
  return Object.fromEntries(
    Object.entries(choices).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
