/**
 * `keyway customers create|list|show|delete`: the customers of a platform, through the REST API's own operations
 * (`composeApiServices`), so a customer deleted here goes exactly as with `DELETE /api/customers/:id`: each of its
 * instances' triggers run `onInstanceDelete`, then their connections are disconnected and revoked.
 */
import type { Command } from 'commander';
import { KeywayError } from '../../errors';
import { findCustomer } from '../../runtime';
import { CreateCustomerBodySchema } from '../../server';
import type { CustomerDto } from '../../server';
import { audited } from '../audit';
import { cliAction, loadStoreConfig, withCommonOptions, withStore } from '../config';
import type { CommonFlags } from '../config';
import { renderTable, when } from '../output';
import { composeApiServices } from '../runtime';
import { PUBLIC_URL_OPTION, deleteThroughApi, parseLikeApi } from './api-changes';

function customerLine(customer: CustomerDto): string {
  return `customer ${customer.id} "${customer.name}"${customer.externalId === null ? '' : ` (external id ${customer.externalId})`}`;
}

/** Registers `keyway customers ...`. */
export function registerCustomerCommands(program: Command): void {
  const customers = program.command('customers').description('create, list, show and delete customers');

  withCommonOptions(
    customers
      .command('create')
      .description('create a customer')
      .requiredOption('--name <name>', 'the customer’s name')
      .option('--external-id <id>', 'your own id for the customer (unique; commands take it where ids go)'),
  ).action(
    cliAction(async (out, flags: CommonFlags & { name: string; externalId?: string }) => {
      const input = parseLikeApi(
        CreateCustomerBodySchema,
        {
          name: flags.name,
          ...(flags.externalId !== undefined ? { externalId: flags.externalId } : {}),
        },
        (path) => `--${kebab(path)}`,
      );
      const customer = await withStore(loadStoreConfig(flags), (store) =>
        audited(
          store,
          'createCustomer',
          () => composeApiServices(store).createCustomer(input),
          (created) => created.id,
        ),
      );
      out.result({ customer }, () => customerLine(customer));
    }),
  );

  withCommonOptions(customers.command('list').description('list customers, oldest first')).action(
    cliAction(async (out, flags: CommonFlags) => {
      const rows = await withStore(loadStoreConfig(flags), (store) =>
        composeApiServices(store).listCustomers(),
      );
      out.result({ customers: rows }, () =>
        rows.length === 0
          ? 'No customers yet; create one with `keyway customers create --name <name>`.'
          : renderTable(rows, [
              { header: 'ID', value: (c) => c.id },
              { header: 'NAME', value: (c) => c.name },
              { header: 'EXTERNAL ID', value: (c) => c.externalId ?? '-' },
              { header: 'CREATED', value: (c) => when(c.createdAt) },
            ]),
      );
    }),
  );

  withCommonOptions(
    customers
      .command('show')
      .description('show a customer and its instances')
      .argument('<customer>', 'customer id or external id'),
  ).action(
    cliAction(async (out, flags: CommonFlags, ref: string) => {
      const shown = await withStore(loadStoreConfig(flags), async (store) => {
        const api = composeApiServices(store);
        const { id } = await findCustomer(store, ref);
        const customer = await api.getCustomer(id);
        if (!customer) throw new KeywayError('KW_STORE_NOT_FOUND', { message: `Customer "${ref}" is gone` });
        const instances = (await api.listInstances({ customerId: id })).map((i) => ({
          id: i.id,
          name: i.name,
        }));
        return { customer, instances };
      });
      out.result(shown, () =>
        [
          customerLine(shown.customer),
          ...(shown.instances.length === 0
            ? ['  no instances']
            : shown.instances.map((i) => `  instance ${i.id} "${i.name}"`)),
        ].join('\n'),
      );
    }),
  );

  withCommonOptions(
    customers
      .command('delete')
      .description(
        "delete a customer and its instances: their triggers' onInstanceDelete, then their connections disconnected (and revoked)",
      )
      .argument('<customer>', 'customer id or external id')
      .option(...PUBLIC_URL_OPTION),
  ).action(
    cliAction(async (out, flags: CommonFlags & { publicUrl?: string }, ref: string) => {
      const { id, instances } = await deleteThroughApi(
        flags,
        'deleteCustomer',
        async (store) => {
          const customer = await findCustomer(store, ref);
          const ids = (await store.listInstances({ customerId: customer.id })).map((i) => i.id);
          return { id: customer.id, instances: ids, instanceIds: ids };
        },
        (api, id) => api.deleteCustomer(id),
      );
      out.result(
        { deleted: { id, instances } },
        () => `deleted customer ${id} and ${instances.length} instance(s)`,
      );
    }),
  );
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
