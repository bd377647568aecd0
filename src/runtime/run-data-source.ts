/**
 * Runs a component's data source as Prismatic's runner does: the connection inputs bound and their values built
 * with a valid token exactly as for an action (see ./run-action), the other inputs filled from their defaults,
 * `perform(context, params)` called with exactly two arguments and spectral's data source context (`logger`,
 * `configVars`, `customer`, `instance`, `user`), and the result checked against the data source's
 * `dataSourceType` (./data-source-result).
 *
 * A data source only reads: it has no state. Each run that gets as far as calling `perform` is an execution
 * record with `actionKey` `dataSource:<key>` (as trigger runs are `trigger:<key>`): its redacted log and, when it
 * failed, its error. A 401 from the provider forces one refresh and one retry, as for actions
 * (./unauthorized-retry).
 */
import { KeywayError, isKeywayError } from '../errors';
import type { Store } from '../store';
import type { ComponentRegistry } from './components';
import { createCollectingLogger } from './context';
import { ExecutionRecord, toExecutionLog } from './execution-record';
import { timeOrderedId } from './ids';
import type { ActionLogger } from './context';
import { connectionValue } from './connection-value';
import { checkDataSourceResult } from './data-source-result';
import type { DataSourceResult } from './data-source-result';
import { buildActionParams, connectionInputKeys } from './inputs';
import { surface } from './run-errors';
import { bindConnections } from './run-plan';
import type { BoundConnection } from './run-plan';
import { secretsOf } from './run-secrets';
import { retryOnUnauthorized } from './unauthorized-retry';
import type {
  AccessToken,
  ActionLogEntry,
  CredentialSource,
  LoadedComponent,
  WireTriggerOrDataSource,
} from './types';

/** What {@link runDataSource} needs. */
export interface RunDataSourceDeps {
  readonly store: Store;
  readonly components: ComponentRegistry;
  readonly credentials: CredentialSource;
  readonly now?: () => number;
  readonly newId?: () => string;
  /** Receives a failure to write the execution record (as `RunActionDeps`); default: a process warning. */
  readonly onRecordError?: (error: unknown, executionId: string) => void;
}

/** The default `onRecordError`: a process warning naming the execution. */
function warnRecordError(_error: unknown, executionId: string): void {
  process.emitWarning(`Keyway could not record execution ${executionId}`, 'KeywayExecutionLog');
}

/** One data source run. */
export interface RunDataSourceRequest {
  readonly instanceId: string;
  readonly componentKey: string;
  readonly dataSourceKey: string;
  /** Input values by input key; missing ones take their defaults. */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Which of the instance's connections (by name) fills each `connection` input; see `runAction`. */
  readonly connections?: Readonly<Record<string, string>>;
}

/** A data source's checked result, with its type and what it logged. */
export interface DataSourceRun extends DataSourceResult {
  /** The run's execution record (`GET /api/executions/:id`, `actionKey` `dataSource:<key>`). */
  readonly executionId: string;
  readonly dataSourceType: string;
  readonly logs: readonly ActionLogEntry[];
}

/** The data source `key` of `component`, or KW_DATA_SOURCE_NOT_FOUND listing the ones it has. */
export function dataSourceOf(component: LoadedComponent, key: string): WireTriggerOrDataSource {
  const found = component.dataSources.get(key);
  if (found) return found;
  throw new KeywayError('KW_DATA_SOURCE_NOT_FOUND', {
    message: `Component "${component.key}" has no data source "${key}" (it has: ${[...component.dataSources.keys()].join(', ') || 'none'})`,
    details: { componentKey: component.key, dataSourceKey: key },
  });
}

/**
 * Runs data source `dataSourceKey` of `componentKey` for an instance and checks its result.
 * @throws KeywayError KW_DATA_SOURCE_NOT_FOUND, KW_ACTION_INPUT_INVALID (bad inputs or connections),
 *   KW_CONNECTION_NOT_CONNECTED, KW_CONNECTION_ERROR, KW_ACTION_UNAUTHORIZED (401 after a refresh),
 *   KW_DATA_SOURCE_FAILED (perform threw) or KW_DATA_SOURCE_RESULT_INVALID (wrong shape for its type).
 */
export async function runDataSource(
  deps: RunDataSourceDeps,
  request: RunDataSourceRequest,
): Promise<DataSourceRun> {
  const now = deps.now ?? Date.now;
  const found = await deps.store.getInstanceWithConnections(request.instanceId);
  if (!found) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Instance "${request.instanceId}" does not exist`,
      details: { instanceId: request.instanceId },
    });
  }
  const { instance, customer } = found;
  if (!instance.componentKeys.includes(request.componentKey)) {
    throw new KeywayError('KW_COMPONENT_NOT_FOUND', {
      message: `Instance "${instance.name}" does not use component "${request.componentKey}"`,
      details: { instanceId: instance.id, componentKey: request.componentKey },
    });
  }
  const component = await deps.components.get(request.componentKey);
  const dataSource = dataSourceOf(component, request.dataSourceKey);
  const given = request.inputs ?? {};
  const planned = bindConnections(
    found.connections,
    instance,
    component,
    dataSource,
    given,
    request.connections,
  );
  const connectionKeys = new Set(connectionInputKeys(dataSource.inputs));
  const params = Object.fromEntries(Object.entries(given).filter(([key]) => !connectionKeys.has(key)));
  const label = `${dataSource.display.label} (data source)`;
  // Bad inputs are refused before any token is fetched.
  buildActionParams(label, dataSource.inputs, params, new Map());

  const bound: BoundConnection[] = [];
  for (const item of planned) {
    const token: AccessToken | undefined =
      item.connection.grantType === 'none'
        ? undefined
        : await deps.credentials.getToken(item.connection.id, undefined, item.connection);
    bound.push({ ...item, token, value: connectionValue(item, token) });
  }
  const secrets = { [Symbol.iterator]: () => secretsOf(bound).values() };
  const { logger, entries } = createCollectingLogger(secrets, now);
  const executionId = (deps.newId ?? timeOrderedId)();
  const execution = new ExecutionRecord(
    deps.store,
    executionId,
    instance.id,
    component.key,
    `dataSource:${dataSource.key}`,
    now(),
    deps.onRecordError ?? warnRecordError,
    now,
  );
  const people = {
    customer: {
      id: customer?.id ?? instance.customerId,
      externalId: customer?.externalId ?? '',
      name: customer?.name ?? '',
    },
    instance: { id: instance.id, name: instance.name },
    user: { id: '', email: '', name: '', externalId: '' },
  };
  const attempt = (): Promise<unknown> => {
    const configVars: Record<string, unknown> = { ...instance.config };
    for (const item of bound) configVars[item.connection.name] = item.value;
    const values = new Map(bound.map((item) => [item.inputKey, item.value]));
    return performDataSource(dataSource, { logger, configVars, ...people }, label, params, values);
  };

  let checked: DataSourceResult;
  try {
    const returned = await retryOnUnauthorized(deps.credentials, bound, logger, attempt).catch(
      async (thrown: unknown) => {
        throw dataSourceError(await surface(deps, thrown, bound, secrets, now), component, dataSource);
      },
    );
    const ref = { componentKey: component.key, dataSourceKey: dataSource.key };
    checked = checkDataSourceResult(ref, dataSource.dataSourceType, returned);
  } catch (thrown) {
    const error = isKeywayError(thrown) ? thrown : undefined;
    if (error) logger.error(`${error.code}: ${error.message}`);
    const log = entries.map(toExecutionLog);
    await execution.finish('failed', now(), error?.code ?? null, error?.message ?? null, log);
    throw thrown;
  }
  await execution.finish('succeeded', now(), null, null, entries.map(toExecutionLog));
  return { ...checked, executionId, dataSourceType: String(dataSource.dataSourceType), logs: entries };
}

/** What `perform` threw, as a data source's error: KW_DATA_SOURCE_FAILED for a plain failure. */
function dataSourceError(
  error: KeywayError,
  component: LoadedComponent,
  dataSource: WireTriggerOrDataSource,
): KeywayError {
  if (error.code !== 'KW_ACTION_FAILED') return error;
  return new KeywayError('KW_DATA_SOURCE_FAILED', {
    message: `Data source "${dataSource.key}" of component "${component.key}" failed: ${error.message}`,
    details: { componentKey: component.key, dataSourceKey: dataSource.key, ...error.details },
    ...(error.provider ? { provider: error.provider } : {}),
  });
}

/** One attempt: `perform(context, params)` with exactly two arguments (spectral dispatches on the count). */
function performDataSource(
  dataSource: WireTriggerOrDataSource,
  context: {
    readonly logger: ActionLogger;
    readonly configVars: Record<string, unknown>;
    readonly customer: unknown;
    readonly instance: unknown;
    readonly user: unknown;
  },
  label: string,
  given: Readonly<Record<string, unknown>>,
  values: ReadonlyMap<string, unknown>,
): Promise<unknown> {
  const params = buildActionParams(label, dataSource.inputs, given, values);
  return dataSource.perform(context, params);
}
