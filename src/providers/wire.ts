/**
 * spectral's wire format for inputs and connections: what `component({...})` produced and a built bundle holds.
 * The one schema for it: the component loader checks bundles with it, and {@link resolveConnection} reads a
 * connection definition with it.
 */
import { z } from 'zod';

/** `null` and absent are the same to spectral: both become `undefined`. */
function nullish<T extends z.ZodType>(schema: T) {
  return schema.nullish().transform((v) => v ?? undefined);
}

/**
 * A list input (`collection: "valuelist"` or `"keyvaluelist"`) whose default is not a list gets `[]`, as the
 * platform fills it: spectral's `component()` gives every unset input its type's scalar default (`""` for a
 * string), which would reach `perform` as `"tags": ""` where the vendor wants a list or nothing.
 */
function withListDefault<T extends { collection?: string | undefined; default?: unknown }>(input: T): T {
  const isList = input.collection === 'valuelist' || input.collection === 'keyvaluelist';
  return isList && !Array.isArray(input.default) ? { ...input, default: [] } : input;
}

/** One input of an action, trigger, data source or connection. */
export const WireInputSchema = z
  .looseObject({
    key: z.string().min(1),
    label: z.string(),
    type: z.string().min(1),
    default: z.unknown().optional(),
    collection: nullish(z.string()),
    required: nullish(z.boolean()),
    shown: nullish(z.boolean()),
  })
  .transform(withListDefault);
/** A parsed {@link WireInputSchema}. */
export type WireInput = z.output<typeof WireInputSchema>;

/** A connection: `{ key, label, oauth2Type?, oauth2PkceMethod?, oauth2Config?, inputs[] }`. */
export const WireConnectionSchema = z.looseObject({
  key: z.string().min(1),
  label: z.string(),
  comments: nullish(z.string()),
  oauth2Type: nullish(z.enum(['authorization_code', 'client_credentials'])),
  oauth2PkceMethod: nullish(z.enum(['S256', 'plain'])),
  /** Prismatic's `overrideGrantType`: the `grant_type` value to send instead of the standard one. */
  oauth2Config: nullish(z.looseObject({ overrideGrantType: nullish(z.string()) })),
  inputs: z.array(WireInputSchema),
});
/** A parsed {@link WireConnectionSchema}. */
export type WireConnection = z.output<typeof WireConnectionSchema>;
