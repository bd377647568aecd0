/** zod schemas of the REST API's request bodies; the routes validate with them and the OpenAPI document is generated from them. */
import { z } from 'zod';

/** Body of `POST /api/customers`. */
export const CreateCustomerBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  externalId: z.string().min(1).max(200).optional(),
});

/** Body of `POST /api/components`: the built bundle, base64. */
export const PublishComponentBodySchema = z.strictObject({
  bundleBase64: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
});

/** Body of `POST /api/instances`: the runtime's instance spec, checked in full by the runtime. */
export const CreateInstanceBodySchema = z.looseObject({
  customerId: z.string().min(1),
  name: z.string().min(1),
  components: z.array(z.string().min(1)).min(1),
});

/** Body of `POST /api/instances/:id/connect-links`. */
export const CreateConnectLinkBodySchema = z.strictObject({
  connectionIds: z.array(z.string().min(1)).min(1).optional(),
  /** Lifetime in seconds; the deployment's default when omitted. */
  ttlSeconds: z
    .number()
    .int()
    .min(60)
    .max(90 * 24 * 3600)
    .optional(),
  successUrl: z.string().optional(),
  failureUrl: z.string().optional(),
  popup: z.boolean().optional(),
});

/** Body of `POST /api/instances/:id/actions/:componentKey/:actionKey`. */
export const RunActionBodySchema = z.strictObject({
  inputs: z.record(z.string(), z.unknown()).default({}),
  connections: z.record(z.string(), z.string()).optional(),
});
