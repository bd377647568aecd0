/**
 * Customer instances: a customer's deployment of one or more components, with named connections bound to the
 * components' connection definitions and config values.
 */
import { z } from 'zod';
// Not the connections index: it loads spectral, which the runtime does not need.
import { CONNECTION_OVERRIDES, HIDDEN_INPUTS } from '../providers';
import { KeywayError } from '../errors';
import type { Connection, Instance, NewConnection, Store } from '../store';
import { inheritedApp } from './app-values';
import type { ComponentRegistry } from './components';
import { ConfigVarSpecSchema, checkConfigVarSpecs } from './config-var-spec';
import { findCustomer } from './lookup';
import type { LoadedComponent, WireConnection } from './types';

/** The grant types Keyway knows; `none` is a connection without OAuth (API key, basic auth). */
const KNOWN_GRANTS = [
  'authorization_code',
  'client_credentials',
  'device_code',
  'password',
  'implicit',
] as const;

/**
 * Field values set by the platform team for a connection definition, e.g. the client id and secret of a shared
 * OAuth app. Keyed by component key, then connection definition key. They are stored with the connection's
 * secret fields, so the customer never sees them, and a customer's value for the same field is refused.
 */
export type PlatformConnectionDefaults = Readonly<
  Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>
>;

const fieldValues = z.record(z.string(), z.unknown());

/** The definition of a new instance, as callers (API, CLI, tests) give it. */
export const NewInstanceSpecSchema = z.strictObject({
  id: z.string().min(1).optional(),
  /** The customer's id, or its external id. */
  customerId: z.string().min(1).meta({ description: 'The customer’s id, or its external id' }),
  name: z.string().min(1),
  components: z.array(z.string().min(1)).min(1),
  config: fieldValues.default({}),
  connections: z
    .array(
      z.strictObject({
        /** The config variable key: unique within the instance; spectral's `configVarKey`. */
        name: z.string().min(1),
        componentKey: z.string().min(1),
        /** Defaults to the component's only connection definition. */
        definitionKey: z.string().min(1).optional(),
        /** The customer's values for the definition's inputs. */
        fields: fieldValues.default({}),
      }),
    )
    .default([]),
  /** Config variables the customer chooses on the connect page, from a data source; see ./config-var-spec. */
  configVars: z.array(ConfigVarSpecSchema).default([]),
});
/** Input of {@link createInstance}. */
export type NewInstanceSpec = z.input<typeof NewInstanceSpecSchema>;

/** The instance and its connections, as created. */
export interface CreatedInstance {
  readonly instance: Instance;
  readonly connections: readonly Connection[];
}

/**
 * Creates a customer instance of one or more components with its connections. Everything is validated before
 * anything is written (unknown component, definition or field, duplicate name → KW_INSTANCE_INVALID or
 * KW_CONNECTION_INVALID); if a write fails half-way the instance is removed again, so no partial instance stays.
 */
export async function createInstance(
  deps: {
    readonly store: Store;
    readonly components: ComponentRegistry;
    readonly platformDefaults?: PlatformConnectionDefaults;
    readonly now?: () => number;
  },
  spec: NewInstanceSpec,
): Promise<CreatedInstance> {
  const parsed = NewInstanceSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KeywayError('KW_INSTANCE_INVALID', {
      message: `Invalid instance: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unknown problem'}`,
    });
  }
  // By id or external id, as the platform knows its customer; the instance is stored under the id.
  const customer = await findCustomer(deps.store, parsed.data.customerId);
  const input = { ...parsed.data, customerId: customer.id };
  const components = new Map<string, LoadedComponent>();
  for (const key of input.components) {
    if (components.has(key)) {
      throw new KeywayError('KW_INSTANCE_INVALID', { message: `Component "${key}" is listed twice` });
    }
    components.set(key, await deps.components.get(key));
  }

  const names = new Set<string>();
  const planned: Omit<NewConnection, 'instanceId'>[] = [];
  for (const spec of input.connections) {
    if (names.has(spec.name)) {
      throw new KeywayError('KW_INSTANCE_INVALID', {
        message: `Two connections are named "${spec.name}"; connection names are unique within an instance`,
      });
    }
    names.add(spec.name);
    const component = components.get(spec.componentKey);
    if (!component) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${spec.name}" uses component "${spec.componentKey}", which the instance does not include`,
      });
    }
    const definition = pickDefinition(component, spec.name, spec.definitionKey);
    // The platform's values: its configured defaults, then the OAuth app the definition inherits (its own, else
    // its provider's; see ./app-values).
    const app = await inheritedApp(deps.store, component.key, definition);
    const platform = { ...deps.platformDefaults?.[component.key]?.[definition.key], ...app.values };
    planned.push(planConnection(spec.name, component.key, definition, spec.fields, platform));
  }

  checkConfigVarSpecs(input.configVars, components, names);

  const instance = await deps.store.createInstance({
    ...(input.id ? { id: input.id } : {}),
    customerId: input.customerId,
    name: input.name,
    componentKeys: input.components,
    config: input.config,
    configVars: input.configVars,
  });
  try {
    const connections: Connection[] = [];
    for (const connection of planned) {
      connections.push(await deps.store.createConnection({ ...connection, instanceId: instance.id }));
    }
    return { instance, connections };
  } catch (error) {
    await deps.store.deleteInstance(instance.id).catch(() => undefined);
    throw error;
  }
}

/** The grant a connection definition uses: spectral's `oauth2Type`, Keyway's hidden grant input, or `none`. */
export function grantTypeOf(definition: WireConnection): string {
  if (definition.oauth2Type) return definition.oauth2Type;
  const hidden = definition.inputs.find((input) => input.key === HIDDEN_INPUTS.grantType);
  if (typeof hidden?.default === 'string' && (KNOWN_GRANTS as readonly string[]).includes(hidden.default)) {
    return hidden.default;
  }
  return 'none';
}

/** Every field value of a connection (customer's, secret and platform), as the component sees them. */
export function connectionFieldValues(connection: Connection): Record<string, unknown> {
  return { ...connection.fields, ...connection.secretFields };
}

function pickDefinition(component: LoadedComponent, name: string, key: string | undefined): WireConnection {
  if (key !== undefined) {
    const definition = component.connections.get(key);
    if (!definition) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${name}": component "${component.key}" has no connection definition "${key}" (it has: ${[...component.connections.keys()].join(', ') || 'none'})`,
      });
    }
    return definition;
  }
  const all = [...component.connections.values()];
  if (all.length !== 1 || !all[0]) {
    throw new KeywayError('KW_CONNECTION_INVALID', {
      message: `Connection "${name}": component "${component.key}" has ${all.length} connection definitions; say which one with definitionKey`,
    });
  }
  return all[0];
}

function planConnection(
  name: string,
  componentKey: string,
  definition: WireConnection,
  customerFields: Record<string, unknown>,
  platformFields: Readonly<Record<string, unknown>>,
): Omit<NewConnection, 'instanceId'> {
  const inputs = new Map(definition.inputs.map((input) => [input.key, input]));
  refuseTemplateValues(name, inputs, { ...platformFields, ...customerFields });
  for (const key of Object.keys(customerFields)) {
    if (!inputs.has(key) && !CONNECTION_OVERRIDES.includes(key)) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${name}": definition "${definition.key}" has no field "${key}"`,
        details: { field: key },
      });
    }
    if (key in platformFields) {
      throw new KeywayError('KW_CONNECTION_INVALID', {
        message: `Connection "${name}": field "${key}" is set by the platform and cannot be given by the customer`,
        details: { field: key },
      });
    }
  }
  const fields: Record<string, unknown> = {};
  const secretFields: Record<string, unknown> = { ...platformFields };
  for (const [key, value] of Object.entries(customerFields)) {
    // Secrets (password inputs) are encrypted at rest in secretFields; everything else stays readable.
    if (inputs.get(key)?.type === 'password') secretFields[key] = value;
    else fields[key] = value;
  }
  const grantType = grantTypeOf(definition);
  const missing = definition.inputs.filter(
    (input) =>
      input.required === true &&
      input.type !== 'template' &&
      isEmpty(fields[input.key] ?? secretFields[input.key] ?? input.default),
  );
  // A connection without OAuth is usable as soon as its fields are complete; an OAuth one waits for a token.
  const status = grantType === 'none' && missing.length === 0 ? 'connected' : 'pending';
  return {
    name,
    componentKey,
    definitionKey: definition.key,
    grantType,
    fields,
    secretFields,
    status,
  };
}

/**
 * Refuses a value for a template input: on the platform a template (a token URL built from `{{#subdomain}}`) is
 * computed from the other fields, never set, so whoever sets fields cannot point a token request elsewhere.
 */
function refuseTemplateValues(
  name: string,
  inputs: ReadonlyMap<string, WireConnection['inputs'][number]>,
  values: Readonly<Record<string, unknown>>,
): void {
  for (const key of Object.keys(values)) {
    const input = inputs.get(key);
    if (input?.type !== 'template') continue;
    throw new KeywayError('KW_CONNECTION_TEMPLATE_SET', {
      message: `Connection "${name}": field "${key}" is a template (${String(input.default)}), computed from the other fields; set those fields instead`,
      details: { field: key },
    });
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
