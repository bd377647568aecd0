/**
 * The template notation of low-code connectors: `{{inputs.name}}`, `{{connection.field}}` and
 * `{{token.field}}` inside strings (and `{{state.cursor}}` in a polling trigger's request). Rendering is a lookup, never evaluation: a slot names one value, nothing
 * else is accepted, and a string that is exactly one slot keeps the value's type (a number stays a number in a
 * JSON body).
 */

/** Where a slot reads from. */
export type TemplateScope = 'inputs' | 'connection' | 'token' | 'state';

/** One `{{scope.name}}` reference. */
export interface TemplateRef {
  readonly scope: TemplateScope;
  readonly name: string;
}

/** The values a template renders from. */
export interface TemplateValues {
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly connection: Readonly<Record<string, unknown>>;
  readonly token: Readonly<Record<string, unknown>>;
  /** A polling trigger's stored state (`cursor`); absent elsewhere. */
  readonly state?: Readonly<Record<string, unknown>>;
}

const ANY_SLOT = /{{(.*?)}}/g;
const SLOT = /^\s*(inputs|connection|token|state)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const WHOLE = /^{{[^{}]*}}$/;

/**
 * The references in `template`, or the text of the first slot that is not one (`{{ input.x }}`, `{{a + b}}`).
 */
export function templateRefs(template: string): { refs: TemplateRef[]; bad?: string } {
  const refs: TemplateRef[] = [];
  for (const match of template.matchAll(ANY_SLOT)) {
    const slot = SLOT.exec(match[1] ?? '');
    if (!slot) return { refs, bad: match[0] };
    refs.push({ scope: slot[1] as TemplateScope, name: slot[2] ?? '' });
  }
  return { refs };
}

function lookup(values: TemplateValues, body: string): unknown {
  const slot = SLOT.exec(body);
  if (!slot) return undefined;
  const scope = values[slot[1] as TemplateScope];
  const name = slot[2] ?? '';
  return scope !== undefined && Object.prototype.hasOwnProperty.call(scope, name) ? scope[name] : undefined;
}

/**
 * Renders one string: a string that is exactly one slot gives the value itself (`undefined` when unset);
 * otherwise each slot is replaced by its value as text (`encode` applied, e.g. for a path segment), unset
 * values as "".
 */
export function renderString(
  template: string,
  values: TemplateValues,
  encode: (text: string) => string = (text) => text,
): unknown {
  if (WHOLE.test(template)) {
    const value = lookup(values, template.slice(2, -2));
    return typeof value === 'string' ? encode(value) : value;
  }
  return template.replace(ANY_SLOT, (_all, body: string) => {
    const value = lookup(values, body);
    if (value === undefined || value === null) return '';
    return encode(typeof value === 'string' ? value : JSON.stringify(value));
  });
}

/**
 * Renders every string inside a JSON value; object members that render to nothing (`undefined`, or `""` from an
 * unset input: the platform gives an unset string input "") are left out, as empty query parameters are.
 */
export function renderJson(value: unknown, values: TemplateValues): unknown {
  if (typeof value === 'string') return renderString(value, values);
  if (Array.isArray(value)) return value.map((item) => renderJson(item, values));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      const rendered = renderJson(member, values);
      if (rendered !== undefined && rendered !== '') out[key] = rendered;
    }
    return out;
  }
  return value;
}

/** Every string inside a JSON value, with the path to it (for validation). */
export function stringsIn(
  value: unknown,
  path: readonly (string | number)[] = [],
): [string, (string | number)[]][] {
  if (typeof value === 'string') return [[value, [...path]]];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringsIn(item, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, member]) => stringsIn(member, [...path, key]));
  return [];
}
