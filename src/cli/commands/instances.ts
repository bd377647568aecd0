/**
 * `keyway instances create|list|show`: customer instances (`update` and `delete` are in ./instance-changes) with their connections. Output never contains a
 * token or a secret field's value; secret fields are listed by name only.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { ComponentRegistry, createInstance, findInstance, lookupCustomer } from '../../runtime';
import type { Connection, Customer, Instance, Store } from '../../store';
import { collect, parseJsonObject, parseJsonValues, parseKeyValues } from '../args';
import { recordCliChange } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { renderTable, when } from '../output';
import type { Output } from '../output';

/** A connection as the CLI shows it: no token, secret fields by name only. */
export interface ConnectionSummary {
  readonly id: string;
  readonly name: string;
  readonly componentKey: string;
  readonly definitionKey: string;
  readonly grantType: string;
  readonly status: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number | null;
  readonly connectedAt: number | null;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly secretFieldNames: readonly string[];
  readonly lastError: { readonly code: string; readonly message: string } | null;
}

/** An instance as the CLI shows it. */
export interface InstanceSummary {
  readonly id: string;
  readonly name: string;
  readonly customerId: string;
  readonly components: readonly string[];
  readonly status: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly connections: readonly ConnectionSummary[];
}

/** Strips tokens and secret values from a stored connection. */
export function summarizeConnection(connection: Connection): ConnectionSummary {
  return {
    id: connection.id,
    name: connection.name,
    componentKey: connection.componentKey,
    definitionKey: connection.definitionKey,
    grantType: connection.grantType,
    status: connection.status,
    scopes: connection.scopes,
    expiresAt: connection.expiresAt,
    connectedAt: connection.connectedAt,
    fields: connection.fields,
    secretFieldNames: Object.keys(connection.secretFields),
    lastError: connection.lastError
      ? { code: connection.lastError.code, message: connection.lastError.message }
      : null,
  };
}

/** An instance and its connections as the CLI shows them. */
export async function summarizeInstance(store: Store, instance: Instance): Promise<InstanceSummary> {
  const connections = await store.listConnections({ instanceId: instance.id });
  return {
    id: instance.id,
    name: instance.name,
    customerId: instance.customerId,
    components: instance.componentKeys,
    status: instance.status,
    config: instance.config,
    createdAt: instance.createdAt,
    connections: connections.map(summarizeConnection),
  };
}

/** `--spec` JSON: the runtime's instance spec, with the customer given by id or external id. */
const CliInstanceSpecSchema = z.looseObject({
  customer: z.string().min(1).optional(),
  customerId: z.string().min(1).optional(),
  customerName: z.string().min(1).optional(),
});

interface CreateFlags extends CommonFlags {
  readonly spec?: string;
  readonly id?: string;
  readonly customer?: string;
  readonly customerName?: string;
  readonly name?: string;
  readonly component?: string[];
  readonly connection?: string[];
  readonly field?: string[];
  readonly fieldJson?: string[];
  readonly configVar?: string[];
  readonly configVarJson?: string[];
}

/**
 * Finds the customer by id, then by external id; creates one (external id = `ref`) only when a name for it is
 * given, so a typo does not silently create a customer.
 */
export async function resolveCustomer(store: Store, ref: string, createName?: string): Promise<Customer> {
  const found = await lookupCustomer(store, ref);
  if (found) return found;
  if (createName === undefined) {
    throw new KeywayError('KW_INSTANCE_INVALID', {
      message: `Customer "${ref}" does not exist (by id or external id); pass --customer-name to create it`,
      details: { customer: ref },
    });
  }
  return store.createCustomer({ externalId: ref, name: createName });
}

/**
 * Adds the value options `instances create` and `instances update` share: `--field`, `--field-json`,
 * `--config-var` and `--config-var-json` (all repeatable); `verb` starts their descriptions ("set ").
 */
export function withValueOptions(command: Command, verb = ''): Command {
  return command
    .option('--field <connection.field=value>', `${verb}a connection field value (repeatable)`, collect)
    .option(
      '--field-json <connection.field=json>',
      `${verb}a connection field value as JSON: list, key/value list, object, boolean (repeatable)`,
      collect,
    )
    .option('--config-var <key=value>', `${verb}an instance config value (repeatable)`, collect)
    .option('--config-var-json <key=json>', `${verb}an instance config value as JSON (repeatable)`, collect);
}

/** `--config-var` (text) and `--config-var-json` (JSON) values; a key given in both takes the JSON one. */
export function configVarsFromFlags(flags: {
  readonly configVar?: string[] | undefined;
  readonly configVarJson?: string[] | undefined;
}): Record<string, unknown> {
  return {
    ...parseKeyValues('--config-var', flags.configVar),
    ...parseJsonValues('--config-var-json', flags.configVarJson),
  };
}

/** Prints an instance: `{ instance }` with `--json`, else {@link printInstance}'s text. */
export function showInstance(out: Output, summary: InstanceSummary): void {
  out.result({ instance: summary }, () => printInstance(summary));
}

/** `--field` (text) and `--field-json` (JSON) values, per connection name. */
export function fieldsFromFlags(flags: {
  readonly field?: string[] | undefined;
  readonly fieldJson?: string[] | undefined;
}): Record<string, Record<string, unknown>> {
  const fields: Record<string, Record<string, unknown>> = {};
  const given: [string, Record<string, unknown>][] = [
    ['--field', parseKeyValues('--field', flags.field)],
    ['--field-json', parseJsonValues('--field-json', flags.fieldJson)],
  ];
  for (const [option, values] of given) {
    for (const [path, value] of Object.entries(values)) {
      const dot = path.indexOf('.');
      if (dot <= 0 || dot === path.length - 1) {
        throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
          message: `${option} expects <connection>.<field>=<value>; "${path}" names no connection`,
        });
      }
      (fields[path.slice(0, dot)] ??= {})[path.slice(dot + 1)] = value;
    }
  }
  return fields;
}

function connectionsFromFlags(
  flags: CreateFlags,
): { name: string; componentKey: string; definitionKey?: string; fields: Record<string, unknown> }[] {
  const fields = fieldsFromFlags(flags);
  const specs = Object.entries(parseKeyValues('--connection', flags.connection)).map(([name, target]) => {
    const [componentKey = '', definitionKey] = target.split(':');
    if (componentKey === '') {
      throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
        message: `--connection expects <name>=<componentKey>[:<definitionKey>]; "${name}" has no component`,
      });
    }
    return {
      name,
      componentKey,
      ...(definitionKey ? { definitionKey } : {}),
      fields: fields[name] ?? {},
    };
  });
  const unknown = Object.keys(fields).filter((name) => !specs.some((spec) => spec.name === name));
  if (unknown.length > 0) {
    throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
      message: `--field/--field-json name connection(s) not given with --connection: ${unknown.join(', ')}`,
    });
  }
  return specs;
}

/** The text form of an instance (`instances show`). */
export function printInstance(summary: InstanceSummary): string {
  const lines = [
    `instance ${summary.id} "${summary.name}" (${summary.status})`,
    `  customer:   ${summary.customerId}`,
    `  components: ${summary.components.join(', ')}`,
    `  config:     ${Object.keys(summary.config).length === 0 ? '-' : JSON.stringify(summary.config)}`,
    '',
  ];
  if (summary.connections.length === 0) return [...lines, 'no connections'].join('\n');
  const table = renderTable(summary.connections, [
    { header: 'CONNECTION', value: (c) => c.name },
    { header: 'ID', value: (c) => c.id },
    { header: 'COMPONENT', value: (c) => `${c.componentKey}/${c.definitionKey}` },
    { header: 'GRANT', value: (c) => c.grantType },
    { header: 'STATUS', value: (c) => c.status + (c.lastError ? ` (${c.lastError.code})` : '') },
    { header: 'EXPIRES', value: (c) => when(c.expiresAt) },
  ]);
  return [...lines, table].join('\n');
}

/** Registers `keyway instances create|list|show` and returns the `instances` command. */
export function registerInstanceCommands(program: Command): Command {
  const instances = program
    .command('instances')
    .description('create, list, show, update and delete customer instances');

  withCommonOptions(
    withValueOptions(
      instances
        .command('create')
        .description('create an instance of published components with its connections')
        .option('--spec <json>', 'the whole spec as JSON, @file or - for stdin (flags below override it)')
        .option('--id <id>', 'instance id (default: generated)')
        .option('--customer <ref>', 'customer id or external id')
        .option('--customer-name <name>', 'create the customer with this name when it does not exist')
        .option('--name <name>', 'instance name')
        .option('--component <key>', 'component key (repeatable)', collect)
        .option('--connection <name=component[:definition]>', 'a named connection (repeatable)', collect),
    ),
  ).action(
    cliAction(async (out, flags: CreateFlags) => {
      const spec = parseJsonObject('--spec', flags.spec);
      const extra = CliInstanceSpecSchema.safeParse(spec);
      if (!extra.success) {
        throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
          message: `--spec: ${extra.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        });
      }
      const { customer: specCustomer, customerId, customerName: specCustomerName, ...rest } = extra.data;
      const customerRef = flags.customer ?? specCustomer ?? customerId;
      if (customerRef === undefined) {
        throw new KeywayError('KW_CLI_ARGUMENT_INVALID', {
          message: 'Say which customer the instance is for: --customer <id or external id>',
        });
      }
      const flagConnections = connectionsFromFlags(flags);
      const configVars = configVarsFromFlags(flags);
      const summary = await withStore(loadStoreConfig(flags), async (store) => {
        const components = new ComponentRegistry({ store });
        const name = flags.customerName ?? specCustomerName;
        const customer = await lookupCustomer(store, customerRef);
        const merged = {
          ...rest,
          ...(flags.id !== undefined ? { id: flags.id } : {}),
          ...(flags.name !== undefined ? { name: flags.name } : {}),
          ...(flags.component !== undefined ? { components: flags.component } : {}),
          ...(flagConnections.length > 0 ? { connections: flagConnections } : {}),
          config: { ...((rest['config'] as Record<string, unknown> | undefined) ?? {}), ...configVars },
        };
        const owner = customer ?? (await resolveCustomer(store, customerRef, name));
        let instanceId: string | undefined;
        let result: InstanceSummary;
        try {
          const created = await createInstance({ store, components }, {
            ...merged,
            customerId: owner.id,
          } as Parameters<typeof createInstance>[1]);
          instanceId = created.instance.id;
          result = await summarizeInstance(store, created.instance);
        } catch (err) {
          // A failed command leaves nothing behind: the instance goes again, and a customer made only for it.
          if (instanceId !== undefined) await store.deleteInstance(instanceId).catch(() => undefined);
          if (!customer) await store.deleteCustomer(owner.id).catch(() => undefined);
          throw err;
        }
        // Recorded once the whole command has succeeded, as the API records a route once its handler has: what
        // was undone above is not in the log.
        if (!customer) await recordCliChange(store, 'createCustomer', owner.id);
        await recordCliChange(store, 'createInstance', result.id);
        return result;
      });
      showInstance(out, summary);
    }),
  );

  withCommonOptions(
    instances
      .command('list')
      .description('list instances')
      .option('--customer <ref>', 'only this customer (id or external id)'),
  ).action(
    cliAction(async (out, flags: CommonFlags & { customer?: string }) => {
      const rows = await withStore(loadStoreConfig(flags), async (store) => {
        let customerId: string | undefined;
        if (flags.customer !== undefined) customerId = (await resolveCustomer(store, flags.customer)).id;
        const list = await store.listInstances(customerId !== undefined ? { customerId } : {});
        return Promise.all(list.map((instance) => summarizeInstance(store, instance)));
      });
      out.result({ instances: rows }, () =>
        rows.length === 0
          ? 'No instances yet; create one with `keyway instances create`.'
          : renderTable(rows, [
              { header: 'ID', value: (r) => r.id },
              { header: 'NAME', value: (r) => r.name },
              { header: 'CUSTOMER', value: (r) => r.customerId },
              { header: 'COMPONENTS', value: (r) => r.components.join(',') },
              {
                header: 'CONNECTIONS',
                value: (r) => r.connections.map((c) => `${c.name}:${c.status}`).join(' ') || '-',
              },
            ]),
      );
    }),
  );

  withCommonOptions(
    instances
      .command('show')
      .description('show one instance and its connections')
      .argument('<instance>', 'instance id or name'),
  ).action(
    cliAction(async (out, flags: CommonFlags, id: string) => {
      const summary = await withStore(loadStoreConfig(flags), async (store) => {
        const instance = await findInstance(store, id);
        return summarizeInstance(store, instance);
      });
      showInstance(out, summary);
    }),
  );
  return instances;
}
