/**
 * Config variables chosen on the connect page: an instance declares, for a component it uses, variables whose
 * choices come from one of that component's data sources (a Slack channel, a folder, a pipeline). Once the
 * connections the data source needs are connected, the connect page runs it and shows the choices (or a small
 * form for the structured types, ./config-var-forms); the customer's choice is checked against them, saved in the instance's `config` under the variable's key (so
 * `context.configVars` carries it) and, when the declaration names an action input, passed to later action runs
 * of that component as that input's value whenever the caller gives none. See docs/data-sources.md.
 */
import { KeywayError, isKeywayError } from '../errors';
import type { Instance, Store } from '../store';
import type { ComponentRegistry } from './components';
import { picklistChoices } from './data-source-result';
import type { Choice } from './data-source-result';
import { bindConnections } from './run-plan';
import { dataSourceOf, runDataSource } from './run-data-source';
import type { CredentialSource } from './types';
import { configVarSpecs } from './config-var-spec';
import type { ConfigVarSpec, ConfigurableType } from './config-var-spec';
import { isStructuredType, structuredForm, structuredValue } from './config-var-forms';
import type { FormFields, StructuredForm } from './config-var-forms';

/** What the connect page shows for one config variable. */
export interface ConfigVarView {
  readonly key: string;
  readonly label: string;
  readonly description: string | null;
  readonly type: ConfigurableType;
  /** `waiting`: a connection it needs is not connected yet; `failed`: its data source failed. */
  readonly state: 'waiting' | 'ready' | 'failed';
  /** The instance connections (ids) its data source reads through. */
  readonly connectionIds: readonly string[];
  /** For `picklist`: the choices. */
  readonly choices: readonly Choice[];
  /** For the other simple types: the data source's answer, as the field's initial value. */
  readonly suggested: string | null;
  /** For `objectSelection`, `objectFieldMap` and `jsonForm`: the form to show (./config-var-forms). */
  readonly form: StructuredForm | null;
  /** The saved value, if any. */
  readonly value: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** What the config variable functions need. */
export interface ConfigVarDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly credentials: CredentialSource;
  readonly now?: () => number;
  /**
   * How long the connect page waits for a data source, to show or to save a variable, before it fails it (the
   * run itself is not cancelled: spectral gives `perform` no signal). Default {@link DEFAULT_PAGE_TIMEOUT_MS}.
   */
  readonly timeoutMs?: number;
}

/** The default of {@link ConfigVarDeps.timeoutMs}: a page must not hang on a vendor that does not answer. */
export const DEFAULT_PAGE_TIMEOUT_MS = 10_000;

/** `work`, or KW_DATA_SOURCE_FAILED once `ms` have passed without an answer. */
async function within<T>(work: Promise<T>, ms: number, spec: ConfigVarSpec): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(
        new KeywayError('KW_DATA_SOURCE_FAILED', {
          message: `Data source "${spec.dataSource.key}" of component "${spec.dataSource.component}" did not answer within ${ms} ms`,
          details: { componentKey: spec.dataSource.component, dataSourceKey: spec.dataSource.key },
        }),
      );
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function instanceOf(store: Store, instanceId: string): Promise<Instance> {
  const instance = await store.getInstance(instanceId);
  if (!instance) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Instance "${instanceId}" does not exist`,
      details: { instanceId },
    });
  }
  return instance;
}

/** What a declaration's data source answered, for the page. */
interface Answer {
  readonly result: unknown;
  readonly choices: Choice[];
  readonly suggested: string | null;
  readonly form: StructuredForm | null;
}

/** Runs a declaration's data source: the choices (picklist), a form (structured types) or the answer as text. */
async function answer(deps: ConfigVarDeps, instance: Instance, spec: ConfigVarSpec): Promise<Answer> {
  const run = await runDataSource(deps, {
    instanceId: instance.id,
    componentKey: spec.dataSource.component,
    dataSourceKey: spec.dataSource.key,
    inputs: spec.dataSource.inputs,
    ...(spec.dataSource.connections ? { connections: spec.dataSource.connections } : {}),
  });
  const { result } = run;
  const none = { result, choices: [], suggested: null, form: null };
  if (run.dataSourceType === 'picklist') return { ...none, choices: picklistChoices(result) };
  if (isStructuredType(run.dataSourceType)) {
    return { ...none, form: structuredForm(run.dataSourceType, result, instance.config[spec.key]) };
  }
  return { ...none, suggested: String(result) };
}

/**
 * What the connect page shows for each of the instance's config variables: waiting while a connection its data
 * source needs is not connected, else the data source's choices (or answer), or its typed error.
 */
export async function describeConfigVars(deps: ConfigVarDeps, instanceId: string): Promise<ConfigVarView[]> {
  const found = await deps.store.getInstanceWithConnections(instanceId);
  if (!found) return [];
  const { instance } = found;
  const views: ConfigVarView[] = [];
  for (const spec of configVarSpecs(instance)) {
    const component = await deps.components.get(spec.dataSource.component);
    const dataSource = dataSourceOf(component, spec.dataSource.key);
    const mine = found.connections.filter((c) => c.componentKey === component.key);
    let connectionIds = mine.map((c) => c.id);
    const base = {
      key: spec.key,
      label: spec.label ?? spec.key,
      description: spec.description ?? null,
      type: dataSource.dataSourceType as ConfigurableType,
      value: savedValue(instance, spec.key),
    };
    let state: ConfigVarView['state'] = 'ready';
    let choices: Choice[] = [];
    let suggested: string | null = null;
    let form: StructuredForm | null = null;
    let error: ConfigVarView['error'] = null;
    try {
      const bound = bindConnections(
        found.connections,
        instance,
        component,
        dataSource,
        spec.dataSource.inputs,
        spec.dataSource.connections,
      );
      connectionIds = bound.map((item) => item.connection.id);
      ({ choices, suggested, form } = await within(
        answer(deps, instance, spec),
        deps.timeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS,
        spec,
      ));
    } catch (thrown) {
      if (!isKeywayError(thrown)) throw thrown;
      state = thrown.code === 'KW_CONNECTION_NOT_CONNECTED' ? 'waiting' : 'failed';
      error = state === 'failed' ? { code: thrown.code, message: thrown.message } : null;
    }
    views.push({ ...base, state, connectionIds, choices, suggested, form, error });
  }
  return views;
}

function savedValue(instance: Instance, key: string): string | null {
  const value = instance.config[key];
  if (typeof value === 'string') return value;
  // Set through the API as another JSON value: shown as its JSON.
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Why `value` is not acceptable for a variable of `type` with these choices; undefined when it is. */
function problemWith(type: ConfigurableType, value: string, choices: readonly Choice[]): string | undefined {
  switch (type) {
    case 'picklist':
      return choices.some((choice) => choice.key === value) ? undefined : 'is not one of the choices';
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : 'must be true or false';
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? undefined : 'must be a number';
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'must be a date (YYYY-MM-DD)';
    case 'timestamp':
      return Number.isNaN(Date.parse(value)) ? 'must be a date and time' : undefined;
    default:
      return value.length > 10_000 ? 'is longer than 10,000 characters' : undefined;
  }
}

/** A choice to save: `value` for the simple types and `picklist`, the posted form's `fields` for the others. */
export interface ConfigVarChoice {
  readonly instanceId: string;
  readonly key: string;
  /** The value of a simple type or a picklist (`fields.value` when absent). */
  readonly value?: string | undefined;
  /** The posted form of a structured type (./config-var-forms names its fields). */
  readonly fields?: FormFields | undefined;
}

/**
 * Saves the customer's choice for config variable `key`: its data source is run again (with a valid token) and
 * the value must be one of its choices (picklist), of its type, or (structured types) made only of what its
 * answer offers; only then is it written to the instance's `config`, for a structured type in the shape spectral
 * gives config variables at run time. Nothing is written when it is refused.
 * @throws KeywayError KW_CONFIG_VAR_INVALID (unknown variable, value refused), or the data source's error.
 */
export async function saveConfigVar(deps: ConfigVarDeps, input: ConfigVarChoice): Promise<Instance> {
  const instance = await instanceOf(deps.store, input.instanceId);
  const spec = configVarSpecs(instance).find((candidate) => candidate.key === input.key);
  if (!spec) {
    throw new KeywayError('KW_CONFIG_VAR_INVALID', {
      message: `Instance "${instance.name}" has no config variable "${input.key}" to choose`,
      details: { key: input.key },
    });
  }
  const component = await deps.components.get(spec.dataSource.component);
  const type = dataSourceOf(component, spec.dataSource.key).dataSourceType as ConfigurableType;
  const { result, choices } = await within(
    answer(deps, instance, spec),
    deps.timeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS,
    spec,
  );
  const refuse = (problem: string): KeywayError =>
    new KeywayError('KW_CONFIG_VAR_INVALID', {
      message: `The value for "${spec.label ?? spec.key}" ${problem}`,
      details: { key: spec.key },
    });
  let value: unknown;
  if (isStructuredType(type)) {
    const made = structuredValue(type, result, input.fields ?? {});
    if ('problem' in made) throw refuse(made.problem);
    value = made.value;
  } else {
    value = input.value ?? input.fields?.['value'];
    if (typeof value !== 'string') throw refuse('is missing');
    const problem = problemWith(type, value, choices);
    if (problem !== undefined) throw refuse(problem);
  }
  return deps.store.updateInstance(instance.id, { config: { ...instance.config, [spec.key]: value } });
}
