/**
 * A run's state: the keys of its four scopes, the state as loaded (kept as JSON, so each attempt gets a fresh
 * deep copy), the scopes a run changed, and writing those back.
 */
import type { StateKey, Store } from '../store';
import type { StateScope, StateSnapshot } from './types';

export function stateKeysFor(
  instanceId: string,
  flowId: string,
  executionId: string,
): Record<StateScope, StateKey> {
  return {
    instanceState: { instanceId, scope: 'instance', key: flowId },
    crossFlowState: { instanceId, scope: 'crossFlow' },
    integrationState: { instanceId, scope: 'integration' },
    executionState: { instanceId, scope: 'execution', key: executionId },
  };
}

/** The keys of the scopes a run reads at its start: instance, cross-flow, integration (execution state starts empty). */
export function storedStateKeys(instanceId: string, flowId: string): readonly StateKey[] {
  return [
    { instanceId, scope: 'instance', key: flowId },
    { instanceId, scope: 'crossFlow' },
    { instanceId, scope: 'integration' },
  ];
}

/**
 * The state as loaded, by scope, in its stored (JSON) form, from one value per scope in {@link storedStateKeys}
 * order (execution state starts empty). Each attempt gets a fresh deep copy, so what the action mutates is
 * detectable afterwards.
 */
export class LoadedState {
  readonly json: Readonly<Record<StateScope, string>>;

  constructor(values: readonly (Record<string, unknown> | undefined)[]) {
    this.json = {
      instanceState: jsonOf(values[0]),
      crossFlowState: jsonOf(values[1]),
      executionState: EMPTY_JSON,
      integrationState: jsonOf(values[2]),
    };
  }

  /** A fresh deep copy for one attempt. */
  copy(): StateSnapshot {
    const json = this.json;
    // One literal with named reads, not a loop over the scopes: see finalState (./context) for why.
    return {
      instanceState: parseState(json.instanceState),
      crossFlowState: parseState(json.crossFlowState),
      executionState: parseState(json.executionState),
      integrationState: parseState(json.integrationState),
    };
  }
}

/** A scope's stored JSON; `{}` for none or an empty object (the commonest case, with nothing to serialise). */
function jsonOf(value: Record<string, unknown> | undefined): string {
  return value === undefined || isEmptyObject(value) ? EMPTY_JSON : JSON.stringify(value);
}

/** A scope whose JSON changed in a run, with its new JSON. */
export interface StateWrite {
  readonly scope: StateScope;
  readonly json: string;
}

/** The scopes whose JSON changed, in `stateScopes` order; `undefined` when none did (the commonest case). */
export function stateWrites(before: LoadedState, after: StateSnapshot): StateWrite[] | undefined {
  const was = before.json;
  let writes = stateWrite(undefined, 'instanceState', was.instanceState, after.instanceState);
  writes = stateWrite(writes, 'crossFlowState', was.crossFlowState, after.crossFlowState);
  writes = stateWrite(writes, 'executionState', was.executionState, after.executionState);
  return stateWrite(writes, 'integrationState', was.integrationState, after.integrationState);
}

/** `writes` with `scope` added when its JSON is no longer `was`. */
function stateWrite(
  writes: StateWrite[] | undefined,
  scope: StateScope,
  was: string,
  value: Record<string, unknown>,
): StateWrite[] | undefined {
  // An empty object stays `{}`: the commonest case needs no serialising.
  const json = was === EMPTY_JSON && isEmptyObject(value) ? EMPTY_JSON : JSON.stringify(value);
  if (json === was) return writes;
  (writes ??= []).push({ scope, json });
  return writes;
}

/** A fresh deep copy of one scope's state from its JSON (state is JSON: parsing is a deep copy). */
function parseState(text: string): Record<string, unknown> {
  return text === EMPTY_JSON ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** Writes back the scopes that changed. */
export async function saveState(
  store: Store,
  instanceId: string,
  flowId: string,
  executionId: string,
  writes: readonly StateWrite[],
): Promise<void> {
  const keys = stateKeysFor(instanceId, flowId, executionId);
  for (const { scope, json } of writes) {
    // Stored as parsed from its JSON: the caller sees what a later run will see.
    await store.putState(keys[scope], JSON.parse(json) as Record<string, unknown>);
  }
}

const EMPTY_JSON = '{}';

function isEmptyObject(value: object): boolean {
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}
