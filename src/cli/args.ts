/**
 * Parsing of command-line values that carry structure: `key=value` pairs, JSON objects given inline or as
 * `@file`, repeatable options. Every problem is `KW_CLI_ARGUMENT_INVALID` naming the option, never echoing a
 * value (it may be a secret).
 */
import { readFileSync } from 'node:fs';
import { KeywayError } from '../errors';
import { findUnstorableText } from '../storable-text';

/** commander's collector for repeatable options: `--input a=1 --input b=2`. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

function invalid(message: string): KeywayError {
  return new KeywayError('KW_CLI_ARGUMENT_INVALID', { message });
}

/** `['a=1', 'b=x=y']` → `{ a: '1', b: 'x=y' }`. */
export function parseKeyValues(option: string, pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid(`${option} expects key=value, got an argument without a key or "="`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/**
 * `['a=["x","y"]', 'b=true']` → `{ a: ['x', 'y'], b: true }`: each value is JSON (a list, a key/value list, an
 * object, a boolean, a number or a quoted string), for inputs whose shape text cannot carry.
 */
export function parseJsonValues(option: string, pairs: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(parseKeyValues(option, pairs))) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid(`${option} ${key}: the value is not valid JSON (quote a string: ${key}='"text"')`);
    }
    const unstorable = findUnstorableText(value);
    if (unstorable)
      throw invalid(`${option} ${key}: ${[...unstorable.path].join('.') || '(value)'} ${unstorable.message}`);
    out[key] = value;
  }
  return out;
}

/** Reads a JSON object given inline (`'{"a":1}'`), from a file (`@spec.json`) or from stdin text (`-`). */
export function parseJsonObject(
  option: string,
  text: string | undefined,
  readStdin: () => string = () => readFileSync(0, 'utf8'),
): Record<string, unknown> {
  if (text === undefined) return {};
  let source = text;
  if (text === '-') source = readStdin();
  else if (text.startsWith('@')) {
    try {
      source = readFileSync(text.slice(1), 'utf8');
    } catch (err) {
      throw invalid(
        `${option}: cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      );
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch {
    throw invalid(`${option} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${option} must be a JSON object`);
  }
  // Refused here so SQLite and PostgreSQL give the same answer (PostgreSQL cannot store a NUL).
  const unstorable = findUnstorableText(value);
  if (unstorable) {
    throw invalid(`${option}: ${[...unstorable.path].join('.') || '(root)'} ${unstorable.message}`);
  }
  return value as Record<string, unknown>;
}

/** A positive whole number from a flag, or `KW_CLI_ARGUMENT_INVALID` naming the flag. */
export function parsePositiveInt(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw invalid(`${option} must be a positive whole number`);
  return value;
}
