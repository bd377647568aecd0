/**
 * Checks real API responses against the OpenAPI document the server serves: the status must be one the
 * operation declares, and the body must match that status's schema (ajv, JSON Schema 2020-12, as OpenAPI 3.1
 * uses). The server-test harness runs every `/api` response through it, so every API test is also a test of
 * the document.
 */
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv/dist/2020';

interface Operation {
  readonly responses: Record<string, { readonly content?: Record<string, unknown> }>;
}

/** An OpenAPI 3.1 document, as far as the checker reads it. */
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
}

/** The path template of `path` (no query) in `document`, or undefined when no operation path matches. */
export function templateOf(document: OpenApiDocument, path: string): string | undefined {
  let best: { template: string; literals: number } | undefined;
  for (const template of Object.keys(document.paths)) {
    const segments = template.split('/');
    const actual = path.split('/');
    if (segments.length !== actual.length) continue;
    const matches = segments.every((s, i) => (s.startsWith('{') ? actual[i] !== '' : s === actual[i]));
    const literals = segments.filter((s) => !s.startsWith('{')).length;
    if (matches && (!best || literals > best.literals)) best = { template, literals };
  }
  return best?.template;
}

const pointer = (part: string): string => part.replace(/~/g, '~0').replace(/\//g, '~1');

/** A checker for `document`; `check` throws an Error naming the operation and what did not match. */
export function openApiChecker(document: OpenApiDocument): {
  check(method: string, url: string, status: number, body: string): void;
  readonly checked: () => number;
} {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false, allErrors: true });
  ajv.addSchema(document, 'openapi.json');
  const compiled = new Map<string, ValidateFunction>();
  let checked = 0;
  return {
    checked: () => checked,
    check(method, url, status, body) {
      const path = url.split('?')[0] ?? url;
      const template = templateOf(document, path);
      const verb = method.toLowerCase();
      const operation = template === undefined ? undefined : document.paths[template]?.[verb];
      if (template === undefined || operation === undefined) return;
      const name = `${method} ${template} → ${status}`;
      const declared = operation.responses[String(status)];
      if (!declared) {
        throw new Error(
          `OpenAPI: ${name} is not a declared status (${Object.keys(operation.responses).join(', ')})`,
        );
      }
      checked += 1;
      if (!declared.content) {
        if (body !== '') throw new Error(`OpenAPI: ${name} declares no body but got ${body.slice(0, 200)}`);
        return;
      }
      const ref = `openapi.json#/paths/${pointer(template)}/${verb}/responses/${status}/content/application~1json/schema`;
      let validate = compiled.get(ref);
      if (!validate) {
        validate = ajv.compile({ $ref: ref });
        compiled.set(ref, validate);
      }
      const value: unknown = JSON.parse(body);
      if (!validate(value)) {
        throw new Error(
          `OpenAPI: ${name} body does not match its schema: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 500)}`,
        );
      }
    },
  };
}

const checkers = new Map<string, Promise<ReturnType<typeof openApiChecker>>>();

/**
 * `fetch`, with every `/api` answer checked against the OpenAPI document of the server it came from (read once
 * per origin), for tests that talk to a spawned `keyway serve` or a second replica rather than the harness.
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, init);
  const { origin, pathname, search } = new URL(url);
  if (!pathname.startsWith('/api/') || pathname === '/api/openapi.json') return res;
  let checker = checkers.get(origin);
  if (!checker) {
    checker = fetch(`${origin}/api/openapi.json`)
      .then((doc) => doc.json())
      .then((doc) => openApiChecker(doc as OpenApiDocument));
    checkers.set(origin, checker);
  }
  (await checker).check(init.method ?? 'GET', `${pathname}${search}`, res.status, await res.clone().text());
  return res;
}
