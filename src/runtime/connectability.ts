/**
 * Whether each connection definition of a component can ever connect, and what someone must supply first.
 *
 * Loading a bundle proves only that it is a spectral component. A connection whose token URL is malformed, whose
 * template names an input that does not exist, or whose grant needs an input the definition never declares can
 * never connect, whatever the customer types: `components validate` reports it and `components publish` refuses it.
 * The check resolves each definition the way the runtime does at connect time (src/providers/resolve.ts), with its
 * defaults and a stand-in value for every input someone has to fill in.
 */
// Not the connections index: it loads spectral, which the runtime does not need.
import { resolveConnection } from '../providers';
import { KeywayError, isKeywayError } from '../errors';
import { grantTypeOf } from './instances';
import type { LoadedComponent, WireConnection, WireInput } from './types';

/** An input that has no value until someone gives one. */
export interface RequiredValue {
  readonly key: string;
  readonly label: string;
  /** Shown inputs are the customer's to fill in (connect page); hidden ones the platform's (instance fields). */
  readonly shown: boolean;
}

/** What {@link checkConnection} found for one connection definition. */
export interface ConnectionCheck {
  readonly key: string;
  readonly grantType: string;
  readonly canConnect: boolean;
  /** Inputs without a value that must be supplied before it connects. */
  readonly mustSupply: readonly RequiredValue[];
  /** Why it can never connect (only when `canConnect` is false). */
  readonly problem?: { readonly code: string; readonly message: string };
}

/** Stand-ins tried for the values someone will supply: a word first (a subdomain), then a URL (an issuer). */
const STAND_INS = ['example', 'https://example.com'] as const;

function hasDefault(input: WireInput): boolean {
  return input.default !== undefined && input.default !== null && input.default !== '';
}

function requiredValue(input: WireInput): RequiredValue {
  return { key: input.key, label: input.label, shown: input.shown !== false };
}

/** The declared, settable input an error names as missing (a field the grant needs, a template slot). */
function missingInput(error: KeywayError, inputs: ReadonlyMap<string, WireInput>): WireInput | undefined {
  if (error.code !== 'KW_PROVIDER_FIELD_MISSING' && error.code !== 'KW_PROVIDER_TEMPLATE_UNRESOLVED') {
    return undefined;
  }
  const name = error.details?.['field'] ?? error.details?.['slot'];
  const input = typeof name === 'string' ? inputs.get(name) : undefined;
  return input !== undefined && input.type !== 'template' ? input : undefined;
}

/** One resolution attempt with `standIn` for every value someone must supply; grows `supply` as errors name more. */
function attempt(
  definition: WireConnection,
  supply: Map<string, WireInput>,
  standIn: string,
): KeywayError | undefined {
  const inputs = new Map(definition.inputs.map((input) => [input.key, input]));
  for (let round = 0; round <= definition.inputs.length; round++) {
    const values = Object.fromEntries([...supply.keys()].map((key) => [key, standIn]));
    try {
      resolveConnection(definition, values);
      return undefined;
    } catch (error) {
      if (!isKeywayError(error)) throw error;
      const missing = missingInput(error, inputs);
      if (missing === undefined || supply.has(missing.key)) return error;
      // Optional in the definition, yet the grant needs it (a client secret for client_secret_post).
      supply.set(missing.key, missing);
    }
  }
  return undefined;
}

/**
 * Resolves one connection definition with its defaults. `canConnect` is false when no values for its declared
 * inputs could make it connect; `mustSupply` lists the inputs without a value that must be filled in first.
 */
export function checkConnection(definition: WireConnection): ConnectionCheck {
  const grantType = grantTypeOf(definition);
  const supply = new Map(
    definition.inputs
      .filter((input) => input.required === true && input.type !== 'template' && !hasDefault(input))
      .map((input) => [input.key, input]),
  );
  let problem: KeywayError | undefined;
  if (grantType !== 'none') {
    for (const standIn of STAND_INS) {
      problem = attempt(definition, supply, standIn);
      if (problem === undefined) break;
    }
  }
  return {
    key: definition.key,
    grantType,
    canConnect: problem === undefined,
    mustSupply: [...supply.values()].map(requiredValue),
    ...(problem !== undefined ? { problem: { code: problem.code, message: problem.message } } : {}),
  };
}

/** {@link checkConnection} for every connection definition of a component, in its order. */
export function checkConnections(component: LoadedComponent): ConnectionCheck[] {
  return [...component.connections.values()].map(checkConnection);
}

/**
 * Refuses a component with a connection that can never connect.
 * @throws KeywayError `KW_COMPONENT_INVALID` naming each such connection and why.
 */
export function assertConnectable(component: LoadedComponent): void {
  const broken = checkConnections(component).filter((check) => !check.canConnect);
  if (broken.length === 0) return;
  throw new KeywayError('KW_COMPONENT_INVALID', {
    message: `Component "${component.key}" has connections that can never connect: ${broken
      .map((check) => `${check.key}: ${check.problem?.message ?? 'unknown problem'}`)
      .join('; ')}`,
    details: {
      componentKey: component.key,
      connections: broken.map((check) => ({ key: check.key, code: check.problem?.code ?? null })),
    },
  });
}
