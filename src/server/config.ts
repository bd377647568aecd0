/**
 * The server's configuration, validated once with zod. The CLI fills it from flags, environment and a config
 * file; tests build it directly.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';
import { MIN_LINK_SECRET_LENGTH } from './links';
import { checkCompletionUrl, normaliseOrigin } from './redirects';

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const origin = z.string().transform((value, ctx) => {
  try {
    return normaliseOrigin(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://app.example.com` });
    return z.NEVER;
  }
});

/** What `buildApp` needs to know about the deployment. */
export const ServerConfigSchema = z
  .strictObject({
    /** The URL people and providers reach Keyway at; `/oauth/callback` is appended for the redirect URI. */
    publicBaseUrl: httpUrl.transform((value) => value.replace(/\/+$/, '')),
    /** Signs connect links and derives CSRF tokens. At least 32 characters. */
    linkSecret: z
      .string()
      .min(
        MIN_LINK_SECRET_LENGTH,
        `must be at least ${MIN_LINK_SECRET_LENGTH} characters (use 32 random bytes)`,
      ),
    platformName: z.string().min(1).max(100).default('Keyway'),
    platformLogoUrl: httpUrl.optional(),
    /** Origins completion URLs may point to. */
    allowedRedirectOrigins: z.array(origin).default([]),
    /** Deployment-wide completion URLs; a link may override them. */
    successUrl: httpUrl.optional(),
    failureUrl: httpUrl.optional(),
    /** The opener's origin for popup mode; popup links are refused without it. */
    popupOrigin: origin.optional(),
    /** The largest component bundle `POST /api/components` accepts, in bytes (after gzip is inflated). */
    maxBundleBytes: z
      .number()
      .int()
      .positive()
      .max(512 * 1024 * 1024)
      .default(32 * 1024 * 1024),
    /** Where `POST /api/components` streams an upload while it arrives (a private folder each); default the OS temp dir. */
    uploadDir: z.string().min(1).optional(),
    /** The largest webhook request body a trigger URL accepts, in bytes. */
    triggerBodyLimit: z
      .number()
      .int()
      .positive()
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    /**
     * Bearer token that `GET /metrics` on this app requires. Without it the app serves no `/metrics` at all:
     * the customer-facing port never shows metrics to anyone; serve them on a separate listen address
     * instead (`buildMetricsApp`, `KEYWAY_METRICS_LISTEN`).
     */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Default connect-link lifetime. */
    linkTtlMs: z
      .number()
      .int()
      .positive()
      .max(90 * 24 * 3600_000)
      .default(7 * 24 * 3600_000),
  })
  .superRefine((config, ctx) => {
    for (const key of ['successUrl', 'failureUrl'] as const) {
      const value = config[key];
      if (value === undefined) continue;
      try {
        checkCompletionUrl(value, config.allowedRedirectOrigins);
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'must be on one of the allowed redirect origins',
        });
      }
    }
  });
/** Input of {@link parseServerConfig}. */
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;
/** A validated server configuration. */
export type ServerConfig = z.output<typeof ServerConfigSchema>;

/**
 * Validates the server configuration; throws `KW_CONFIG_INVALID` naming every bad field. Secret values are
 * never echoed.
 */
export function parseServerConfig(input: ServerConfigInput): ServerConfig {
  const parsed = ServerConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
  );
  throw new KeywayError('KW_CONFIG_INVALID', {
    message: `Invalid server configuration: ${problems.join('; ')}`,
    details: { fields: parsed.error.issues.map((issue) => issue.path.join('.')) },
  });
}
