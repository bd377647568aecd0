/**
 * Input handling as Prismatic's runner does it before calling `perform`: defaults filled in (spectral does
 * not), primitive values passed as strings (spectral's input `clean` functions convert them), template inputs
 * rendered from the other fields.
 */
import { KeywayError } from '../errors';
import type { WireConnection, WireInput } from './types';

/** The `{{#key}}` slot notation of spectral template inputs. */
const TEMPLATE_SLOT = /{{#(\w+)}}/g;

/**
 * Converts a caller's value to what the platform would pass: numbers, booleans and bigints become strings,
 * as config variables are strings on Prismatic; lists keep their shape with primitive items converted.
 */
export function toPlatformValue(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) return value.map(toPlatformValue);
  return value;
}

/** The keys of an action's inputs of type `connection` (spectral finds them by type, not by name). */
export function connectionInputKeys(inputs: readonly WireInput[]): string[] {
  return inputs.filter((input) => input.type === 'connection').map((input) => input.key);
}

/** The value of each `connection` input by input key: a `Map`, or anything else that can look one up. */
export interface ConnectionValueLookup {
  get(inputKey: string): unknown;
}

/**
 * The params an action's `perform` receives: every declared input, from `given` or its default, converted to
 * platform values. `connections` supplies the values of `connection` inputs. Unknown keys and missing required
 * values are refused with KW_ACTION_INPUT_INVALID, naming the input.
 */
export function buildActionParams(
  actionLabel: string,
  inputs: readonly WireInput[],
  given: Readonly<Record<string, unknown>>,
  connections: ConnectionValueLookup,
): Record<string, unknown> {
  let unknown: string[] | undefined;
  // `for...in` rather than Object.keys: the usual call gives no inputs at all and should allocate nothing.
  for (const key in given) {
    if (!declares(inputs, key)) (unknown ??= []).push(key);
  }
  if (unknown !== undefined) {
    throw new KeywayError('KW_ACTION_INPUT_INVALID', {
      message: `Action "${actionLabel}" has no input ${unknown.map((k) => `"${k}"`).join(', ')}`,
      details: { unknownInputs: unknown },
    });
  }
  const params: Record<string, unknown> = {};
  for (const input of inputs) {
    if (input.type === 'connection') {
      params[input.key] = connections.get(input.key);
      continue;
    }
    const value = given[input.key] === undefined ? input.default : toPlatformValue(given[input.key]);
    if (input.required === true && isEmpty(value)) {
      throw new KeywayError('KW_ACTION_INPUT_INVALID', {
        message: `Action "${actionLabel}" needs a value for its required input "${input.key}" (${input.label})`,
        details: { input: input.key },
      });
    }
    params[input.key] = value;
  }
  // `params` is this call's own object: without templates there is nothing to render and nothing to copy.
  return hasTemplates(inputs) ? renderTemplates(inputs, params) : params;
}

/** True when `inputs` declares an input named `key`. */
function declares(inputs: readonly WireInput[], key: string): boolean {
  for (const input of inputs) if (input.key === key) return true;
  return false;
}

/** True when `inputs` has a `template` input. */
function hasTemplates(inputs: readonly WireInput[]): boolean {
  for (const input of inputs) if (input.type === 'template') return true;
  return false;
}

/**
 * A connection's `fields`: the definition's inputs filled from `values` (platform defaults and the customer's
 * values, merged by the caller), with `secretValues` over them (a connection's secret fields), or their
 * defaults, then template inputs rendered.
 */
export function buildConnectionFields(
  definition: WireConnection,
  values: Readonly<Record<string, unknown>>,
  secretValues: Readonly<Record<string, unknown>> = NO_VALUES,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const input of definition.inputs) {
    const value = Object.hasOwn(secretValues, input.key) ? secretValues[input.key] : values[input.key];
    // A template is always its definition's, rendered below: a stored value never replaces it.
    fields[input.key] =
      value === undefined || input.type === 'template' ? input.default : toPlatformValue(value);
  }
  // Extra values (not declared by this version of the definition) are kept: a component may read them.
  addUndeclared(fields, values, secretValues);
  addUndeclared(fields, secretValues, NO_VALUES);
  // `fields` is this call's own object: without templates there is nothing to render and nothing to copy.
  return hasTemplates(definition.inputs) ? renderTemplates(definition.inputs, fields) : fields;
}

const NO_VALUES: Readonly<Record<string, unknown>> = Object.freeze({});

/** Adds each key of `values` that `fields` has none for yet, as a platform value, `over` winning. */
function addUndeclared(
  fields: Record<string, unknown>,
  values: Readonly<Record<string, unknown>>,
  over: Readonly<Record<string, unknown>>,
): void {
  for (const key in values) {
    if (!Object.hasOwn(values, key) || key in fields) continue;
    fields[key] = toPlatformValue(Object.hasOwn(over, key) ? over[key] : values[key]);
  }
}

/**
 * Renders every `template` input's value (`https://{{#domain}}.example.com`) from the other fields. A slot
 * naming a missing or empty field is refused: a half-rendered URL would send the token to the wrong host.
 */
export function renderTemplates(
  inputs: readonly WireInput[],
  values: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...values };
  for (const input of inputs) {
    if (input.type !== 'template') continue;
    const template = out[input.key];
    if (typeof template !== 'string') continue;
    out[input.key] = template.replace(TEMPLATE_SLOT, (_slot, name: string) => {
      const replacement = values[name];
      if (
        (typeof replacement !== 'string' &&
          typeof replacement !== 'number' &&
          typeof replacement !== 'boolean') ||
        replacement === ''
      ) {
        throw new KeywayError('KW_ACTION_INPUT_INVALID', {
          message: `Template input "${input.key}" needs a value for "${name}"`,
          details: { input: input.key, missing: name },
        });
      }
      return String(replacement);
    });
  }
  return out;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
