/** `/api/customers` and `/api/instances`: create, read, list (paged), update and delete. */
import { z } from 'zod';
import { KeywayError } from '../../errors';
import { parseRequest } from '../http';
import { nextCursor, pageQuery, pageRequest } from './pagination';
import type { ApiPrincipal } from '../ports';
import { scopeAllows } from './route';
import type { DefineRoute } from './route';
import {
  CreateCustomerBodySchema,
  CreateInstanceBodySchema,
  UpdateCustomerBodySchema,
  UpdateInstanceBodySchema,
} from './schemas';
import type { ApiPort, InstanceDto } from './types';

/** The `:id` path parameter. */
export const idParam = z.object({ id: z.string().min(1).max(200) });

/** The error of a path naming nothing. */
export function notFound(what: string, id: string): KeywayError {
  return new KeywayError('KW_API_NOT_FOUND', { message: `No ${what} "${id}"`, details: { id } });
}

const instancesQuery = pageQuery.extend({ customerId: z.string().min(1).max(200).optional() });

/** Registers the customer and instance routes. */
export function registerCustomerRoutes(define: DefineRoute, api: ApiPort): void {
  define({
    method: 'GET',
    url: '/api/customers',
    scope: 'customers:read',
    query: pageQuery,
    async handle({ query }) {
      const page = await api.customersPage(pageRequest(query));
      return { customers: page.items, nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/customers',
    scope: 'customers:write',
    status: 201,
    async handle({ request }) {
      const body = parseRequest(CreateCustomerBodySchema, request.body, 'body');
      return { customer: await api.createCustomer(body) };
    },
  });
  define({
    method: 'GET',
    url: '/api/customers/:id',
    scope: 'customers:read',
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const customer = await api.getCustomer(id);
      if (!customer) throw notFound('customer', id);
      return { customer };
    },
  });
  define({
    method: 'PATCH',
    url: '/api/customers/:id',
    scope: 'customers:write',
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const patch = parseRequest(UpdateCustomerBodySchema, request.body, 'body');
      return { customer: await api.updateCustomer(id, patch) };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/customers/:id',
    scope: 'customers:write',
    status: 204,
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      await api.deleteCustomer(id);
      return undefined;
    },
  });

  define({
    method: 'GET',
    url: '/api/instances',
    scope: 'instances:read',
    query: instancesQuery,
    async handle({ query, principal }) {
      const page = await api.instancesPage({ customerId: query.customerId }, pageRequest(query));
      return { instances: page.items.map((item) => visible(principal, item)), nextCursor: nextCursor(page) };
    },
  });
  define({
    method: 'POST',
    url: '/api/instances',
    scope: 'instances:write',
    status: 201,
    async handle({ request, principal }) {
      const body = parseRequest(CreateInstanceBodySchema, request.body, 'body');
      return { instance: visible(principal, await api.createInstance(body)) };
    },
  });
  define({
    method: 'GET',
    url: '/api/instances/:id',
    scope: 'instances:read',
    async handle({ request, principal }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const instance = await api.getInstance(id);
      if (!instance) throw notFound('instance', id);
      return { instance: visible(principal, instance) };
    },
  });
  define({
    method: 'PATCH',
    url: '/api/instances/:id',
    scope: 'instances:write',
    async handle({ request, principal }) {
      const { id } = parseRequest(idParam, request.params, 'params');
      const patch = parseRequest(UpdateInstanceBodySchema, request.body, 'body');
      return { instance: visible(principal, await api.updateInstance(id, patch)) };
    },
  });
  define({
    method: 'DELETE',
    url: '/api/instances/:id',
    scope: 'instances:write',
    status: 204,
    async handle({ request }) {
      const { id } = parseRequest(idParam, request.params, 'params');
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
