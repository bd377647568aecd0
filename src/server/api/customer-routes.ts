/** `/api/customers` and `/api/instances`: create, read, list (paged), update and delete. */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { nextCursor, pageQuery, pageRequest } from './pagination';
import type { ApiPrincipal } from '../ports';
import { scopeAllows } from './route';
import type { DefineRoute } from './route';
import { CustomerSchema, InstanceSchema, pageOf } from './responses';
import {
  CreateCustomerBodySchema,
  CreateInstanceBodySchema,
  UpdateCustomerBodySchema,
  UpdateInstanceBodySchema,
} from './schemas';
import type { ApiPort, InstanceDto } from './types';

/** The `:id` path parameter. */
export const idParam = z.object({ id: z.string().min(1).max(200) });
/** The `:id` of every `/api/customers/:id` route: the customer's id or its external id (see `takesCustomerRef`). */
export const customerParam = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .describe(
      "The customer id, or its external id; an id wins over another customer's external id equal to it.",
    ),
});
/** The `:id` of every `/api/instances/:id…` route: the instance's id or its name (see `takesInstanceRef`). */
export const instanceParam = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .describe('The instance id, or its name; a name several instances carry is KW_INSTANCE_AMBIGUOUS (409).'),
});

/** The error of a path naming nothing. */
export function notFound(what: string, id: string): KeywayError {
  return new KeywayError('KW_API_NOT_FOUND', { message: `No ${what} "${id}"`, details: { id } });
}

/** The error of a customer reference (`:id`, tried as an id and then as an external id) naming no customer. */
export function customerNotFound(ref: string): KeywayError {
  return new KeywayError('KW_API_NOT_FOUND', {
    message: `No customer has the id or the external id "${ref}"; see GET /api/customers`,
    details: { id: ref },
  });
}

const customerResponse = z.object({ customer: CustomerSchema });
const instanceResponse = z.object({ instance: InstanceSchema });
const instancesQuery = pageQuery.extend({
  customerId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Only this customer’s instances: its id, or its external id' }),
});

/** Registers the customer and instance routes. */
export function registerCustomerRoutes(define: DefineRoute, api: ApiPort): void {
  define({
    method: 'GET',
    url: '/api/customers',
    scope: 'customers:read',
    operationId: 'listCustomers',
    summary: 'List customers, oldest first',
    query: pageQuery,
    response: pageOf('customers', CustomerSchema),
    async handle({ query }) {
      const page = await api.customersPage(pageRequest(query));
      return { customers: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/customers',
    scope: 'customers:write',
    operationId: 'createCustomer',
    summary: 'Create a customer',
    status: 201,
    body: CreateCustomerBodySchema,
    response: customerResponse,
    errors: [409],
    async handle({ body }) {
      return { customer: await api.createCustomer(body) };
    },
  });
  define({
    method: 'GET',
    url: '/api/customers/:id',
    scope: 'customers:read',
    operationId: 'getCustomer',
    summary: 'Get a customer',
    params: customerParam,
    response: customerResponse,
    async handle({ params: { id } }) {
      const customer = await api.getCustomer(id);
      if (!customer) throw customerNotFound(id);
      return { customer };
    },
  });
  define({
    method: 'PATCH',
    url: '/api/customers/:id',
    scope: 'customers:write',
    operationId: 'updateCustomer',
    summary: 'Change a customer’s name or external id (null clears it)',
    params: customerParam,
    body: UpdateCustomerBodySchema,
    response: customerResponse,
    errors: [409],
    async handle({ params: { id }, body }) {
      return { customer: await api.updateCustomer(id, body) };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/customers/:id',
    scope: 'customers:write',
    operationId: 'deleteCustomer',
    summary:
      "Delete a customer and its instances: their triggers' onInstanceDelete first, then their connections disconnected (and revoked)",
    status: 204,
    // KW_TRIGGER_HOOK_FAILED: a trigger's onInstanceDelete failed, and the customer is kept.
    errors: [502],
    params: customerParam,
    async handle({ params: { id } }) {
      await api.deleteCustomer(id);
      return undefined;
    },
  });

  define({
    method: 'GET',
    url: '/api/instances',
    scope: 'instances:read',
    operationId: 'listInstances',
    summary: 'List instances, optionally of one customer, with their connections’ status',
    query: instancesQuery,
    response: pageOf('instances', InstanceSchema),
    async handle({ query, principal }) {
      const page = await api.instancesPage({ customerId: query.customerId }, pageRequest(query));
      return { instances: page.items.map((item) => visible(principal, item)), nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/instances',
    scope: 'instances:write',
    operationId: 'createInstance',
    summary: 'Create an instance with its connections and config (the instance spec)',
    status: 201,
    body: CreateInstanceBodySchema,
    response: instanceResponse,
    errors: [404, 409],
    async handle({ body, principal }) {
      return { instance: visible(principal, await api.createInstance(body)) };
    },
  });
  define({
    method: 'GET',
    url: '/api/instances/:id',
    scope: 'instances:read',
    operationId: 'getInstance',
    summary: 'Get an instance',
    params: instanceParam,
    response: instanceResponse,
    async handle({ params: { id }, principal }) {
      const instance = await api.getInstance(id);
      if (!instance) throw notFound('instance', id);
      return { instance: visible(principal, instance) };
    },
  });
  define({
    method: 'PATCH',
    url: '/api/instances/:id',
    scope: 'instances:write',
    operationId: 'updateInstance',
    summary: 'Change an instance’s name, status, config or connection fields',
    params: instanceParam,
    body: UpdateInstanceBodySchema,
    response: instanceResponse,
    errors: [409],
    async handle({ params: { id }, body, principal }) {
      return { instance: visible(principal, await api.updateInstance(id, body)) };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/instances/:id',
    scope: 'instances:write',
    operationId: 'deleteInstance',
    summary:
      "Delete an instance: its triggers' onInstanceDelete first, then its connections disconnected (and revoked)",
    status: 204,
    // KW_TRIGGER_HOOK_FAILED: a trigger's onInstanceDelete failed, and the instance is kept.
    errors: [502],
    params: instanceParam,
    async handle({ params: { id } }) {
      await api.deleteInstance(id);
      return undefined;
    },
  });
}

/**
 * One rule per resource: an instance's connections (status, scopes, errors) are connection details, shown only
 * to a key that may read connections, exactly as `GET /api/instances/:id/connections` decides.
 */
function visible(
  principal: ApiPrincipal,
  instance: InstanceDto,
): InstanceDto | Omit<InstanceDto, 'connections'> {
  if (scopeAllows(principal.scopes, 'connections:read')) return instance;
  const { connections: _hidden, ...rest } = instance;
  return rest;
}
