/**
 * Finding a customer, an instance and one of its connections from what a person (or a platform's code) gives: an
 * id, or the name it knows them by — a customer's external id, an instance's name. Names are what people
 * remember; ids are what the store keys on. A name must point at exactly one instance (within the customer,
 * when one is given); anything else is a clear error, never a guess. The CLI and the REST API both look up here.
 */
import { KeywayError } from '../errors';
import type { Connection, Customer, Instance, Store } from '../store';

/** The customer whose id, or else external id, is `ref`; `undefined` when there is none. */
export async function lookupCustomer(store: Store, ref: string): Promise<Customer | undefined> {
  return (await store.getCustomer(ref)) ?? (await store.getCustomerByExternalId(ref));
}

/**
 * The customer whose id, or else external id, is `ref`.
 * @throws KeywayError `KW_STORE_NOT_FOUND` (404) when there is none.
 */
export async function findCustomer(store: Store, ref: string): Promise<Customer> {
  const found = await lookupCustomer(store, ref);
  if (found) return found;
  throw new KeywayError('KW_STORE_NOT_FOUND', {
    message: `Customer "${ref}" does not exist (by id or external id); see \`keyway customers list\` or GET /api/customers`,
    details: { customer: ref },
  });
}

/**
 * The instance whose id is `ref`, else the one instance named `ref` (of `customerId`, when given).
 * @throws KeywayError `KW_STORE_NOT_FOUND` when none matches; `KW_INSTANCE_AMBIGUOUS` when several instances
 *   carry that name, listing their ids and customers.
 */
export async function findInstance(
  store: Store,
  ref: string,
  options: { readonly customerId?: string } = {},
): Promise<Instance> {
  const byId = await store.getInstance(ref);
  if (byId && (options.customerId === undefined || byId.customerId === options.customerId)) return byId;
  const filter = options.customerId !== undefined ? { customerId: options.customerId } : {};
  const named = (await store.listInstances(filter)).filter((instance) => instance.name === ref);
  const [only] = named;
  if (named.length === 1 && only) return only;
  if (named.length === 0) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Instance "${ref}" does not exist (by id or name${options.customerId !== undefined ? ` for customer "${options.customerId}"` : ''}); see \`keyway instances list\``,
      details: { instance: ref },
    });
  }
  throw new KeywayError('KW_INSTANCE_AMBIGUOUS', {
    message: `${named.length} instances are named "${ref}" (${named.map((i) => `${i.id} of customer ${i.customerId}`).join(', ')}); use the instance id`,
    details: { instance: ref, matches: named.map((instance) => instance.id) },
  });
}

/**
 * The connection of `instance` whose name (its config variable key) or id is `ref`.
 * @throws KeywayError `KW_STORE_NOT_FOUND` naming the connections the instance has.
 */
export async function findConnection(store: Store, instance: Instance, ref: string): Promise<Connection> {
  const connections = await store.listConnections({ instanceId: instance.id });
  const found =
    connections.find((connection) => connection.name === ref) ??
    connections.find((connection) => connection.id === ref);
  if (!found) {
    throw new KeywayError('KW_STORE_NOT_FOUND', {
      message: `Instance "${instance.name}" has no connection "${ref}" (it has: ${connections.map((c) => c.name).join(', ') || 'none'})`,
      details: { instanceId: instance.id, connection: ref },
    });
  }
  return found;
}
