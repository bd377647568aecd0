/**
 * Parsing at the store's boundary: inputs going in (`parseInput`), rows coming out (`parseRow`), and the
 * typed errors of both. Every aggregate module reads its rows through one zod schema per table.
 */
import { z } from 'zod';
import { KeywayError } from '../errors';

// Schemas are built once: building one (zod 4) costs more than most parses.
export const epoch = z.number().int().nonnegative();
export const jsonObject = z.record(z.string(), z.unknown());
export const stringArray = z.array(z.string());
export const nonEmpty = z.string().min(1);
export const logEntry = z.object({
  at: epoch,
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
export const claimSchema = z.object({
  now: epoch,
  limit: z.number().int().positive().max(1000),
  leaseMs: z.number().int().positive(),
  owner: nonEmpty,
});

/** An integer column: a number, or a string of digits (PostgreSQL's bigint). */
export const intColumn = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^-?\d+$/)
    .transform(Number)
    .pipe(z.number().int()),
]);
export const intOrNullColumn = intColumn.nullable();

/** A text column holding JSON that `schema` accepts. */
export function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.issues.push({ code: 'custom', message: 'is not valid JSON', input: text });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const jsonObjectColumn = jsonColumn(jsonObject);
export const stringArrayColumn = jsonColumn(stringArray);

/** Where zod found problems: paths and expectations only, never the (possibly secret) value. */
function problems(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ');
}

/** `value` as `schema` reads it, or `KW_STORE_INVALID_INPUT` naming `what`. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new KeywayError('KW_STORE_INVALID_INPUT', {
      message: `Invalid ${what}: ${problems(result.error)}`,
    });
  }
  return result.data;
}

/** A stored row (or cell) as `schema` reads it, or `KW_STORE_CORRUPT_ROW` naming `where`. */
export function parseRow<T extends z.ZodType>(schema: T, row: unknown, where: string): z.output<T> {
  const result = schema.safeParse(row);
  if (!result.success) {
    throw new KeywayError('KW_STORE_CORRUPT_ROW', {
      message: `Stored ${where} does not have the expected shape (${problems(result.error)}).`,
    });
  }
  return result.data;
}

/** An integer read outside a row schema (a count, a claimed version). */
export function num(value: number | string, where: string): number {
  return parseRow(intColumn, value, where);
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}

/** The typed error for an engine's constraint violation; any other error as it is. */
export function writeError(err: unknown, what: string): unknown {
  if (err instanceof KeywayError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new KeywayError('KW_STORE_CONFLICT', { message: `${what} already exists.`, cause: err });
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new KeywayError('KW_STORE_NOT_FOUND', {
      message: `${what} refers to a record that does not exist.`,
      cause: err,
    });
  }
  return err;
}

/** Maps engine errors for constraint violations to typed errors; rethrows anything else. */
export function translateWriteError(err: unknown, what: string): never {
  throw writeError(err, what);
}

export function notFound(kind: string, id: string): KeywayError {
  return new KeywayError('KW_STORE_NOT_FOUND', { message: `No ${kind} with id "${id}".`, details: { id } });
}
