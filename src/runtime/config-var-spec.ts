/**
 * How an instance declares config variables whose value its customer chooses on the connect page, from a data
 * source of one of its components (see ./config-vars and docs/data-sources.md), and how saved values fill
 * action inputs.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { Instance } from '../store';
import type { LoadedComponent, WireAction } from './types';

/**
 * The data source types the connect page can show: a select for `picklist`, one field for the simple types, a
 * small form for the structured ones (./config-var-forms).
 */
export const CONFIGURABLE_TYPES = [
  'picklist',
  'string',
  'date',
  'timestamp',
  'boolean',
  'number',
  'code',
  'objectSelection',
  'objectFieldMap',
  'jsonForm',
] as const;
/** One of {@link CONFIGURABLE_TYPES}. */
export type ConfigurableType = (typeof CONFIGURABLE_TYPES)[number];

/** One config variable an instance declares (in its spec's `configVars`). */
export const ConfigVarSpecSchema = z.strictObject({
  /** The config variable key: the value is saved in the instance's `config` under it. */
  key: z.string().min(1).max(200),
  /** What the connect page calls it; the key when absent. */
  label: z.string().min(1).max(200).optional(),
  description: z.string().max(1000).optional(),
  /** Where the choices come from: a data source of one of the instance's components. */
  dataSource: z.strictObject({
    component: z.string().min(1),
    key: z.string().min(1),
    /** The data source's inputs (besides its connections); defaults fill the rest. */
    inputs: z.record(z.string(), z.unknown()).default({}),
    /** Which connection fills each `connection` input, by name; the component's only connection when absent. */
    connections: z.record(z.string(), z.string()).optional(),
  }),
  /** An input of the component's actions this value fills when a run gives none (e.g. Slack's `channel`). */
  input: z.string().min(1).optional(),
});
/** A parsed config variable declaration. */
export type ConfigVarSpec = z.output<typeof ConfigVarSpecSchema>;

function invalidSpec(message: string): KeywayError {
  return new KeywayError('KW_INSTANCE_INVALID', { message: `Invalid instance: configVars: ${message}` });
}

/**
 * Checks an instance's declarations against its components before anything is written: unique keys that are
 * not connection names, a data source the component has, of a type the connect page can show, and an `input`
 * some action of the component takes.
 * @throws KeywayError KW_INSTANCE_INVALID naming the variable and what is wrong.
 */
export function checkConfigVarSpecs(
  specs: readonly ConfigVarSpec[],
  components: ReadonlyMap<string, LoadedComponent>,
  connectionNames: ReadonlySet<string>,
): void {
  const keys = new Set<string>();
  for (const spec of specs) {
    if (keys.has(spec.key)) throw invalidSpec(`"${spec.key}" is declared twice`);
    if (connectionNames.has(spec.key)) throw invalidSpec(`"${spec.key}" is also a connection's name`);
    keys.add(spec.key);
    const component = components.get(spec.dataSource.component);
    if (!component) {
      throw invalidSpec(
        `"${spec.key}" uses component "${spec.dataSource.component}", which the instance does not include`,
      );
    }
    const dataSource = component.dataSources.get(spec.dataSource.key);
    if (!dataSource) {
      throw invalidSpec(
        `"${spec.key}": component "${component.key}" has no data source "${spec.dataSource.key}" (it has: ${[...component.dataSources.keys()].join(', ') || 'none'})`,
      );
    }
    const type = dataSource.dataSourceType;
    if (!(CONFIGURABLE_TYPES as readonly unknown[]).includes(type)) {
      throw invalidSpec(
        `"${spec.key}": data source "${spec.dataSource.key}" is a ${String(type)}; the connect page shows ${CONFIGURABLE_TYPES.join(', ')}`,
      );
    }
    const named = Object.values(spec.dataSource.connections ?? {}).filter(
      (name) => !connectionNames.has(name),
    );
    if (named.length > 0)
      throw invalidSpec(`"${spec.key}" names no connection of the instance: ${named.join(', ')}`);
    const takes = [...component.actions.values()].some((action) =>
      action.inputs.some((input) => input.key === spec.input && input.type !== 'connection'),
    );
    if (spec.input !== undefined && !takes) {
      throw invalidSpec(`"${spec.key}": no action of "${component.key}" has an input "${spec.input}"`);
    }
  }
}

/** The declarations of an instance as stored (checked when the instance was created). */
export function configVarSpecs(instance: Instance): ConfigVarSpec[] {
  return instance.configVars.flatMap((raw) => {
    const parsed = ConfigVarSpecSchema.safeParse(raw);
    return parsed.success ? [parsed.data] : [];
  });
}

/**
 * The inputs of `action` that saved config variables fill: for each declaration of this component naming an
 * input the action has, the saved value; `undefined` when none does. Worked out on every run, from the instance
 * as read (no query).
 */
export function configInputsFor(
  instance: Instance,
  component: LoadedComponent,
  action: WireAction,
): Readonly<Record<string, unknown>> | undefined {
  if (instance.configVars.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const spec of configVarSpecs(instance)) {
    if (spec.input === undefined || spec.dataSource.component !== component.key) continue;
    const value = instance.config[spec.key];
    if (value === undefined || !action.inputs.some((input) => input.key === spec.input)) continue;
    out[spec.input] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}
