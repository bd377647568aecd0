/**
 * The OpenAPI document as a contract: it names every `/api` route the app serves, with a real schema for every
 * body and every error status; every list is paged; and every route, walked from the document, refuses an
 * unknown query parameter with a 400. (Every response of the API tests is checked against the document by the
 * harness; see test/support/openapi-check.ts.)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import Ajv2020 from 'ajv/dist/2020';
import { routesOf } from '../../src/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

type Json = Record<string, unknown>;

interface Operation {
  readonly operationId?: string;
  readonly summary?: string;
  readonly parameters?: readonly { readonly name: string; readonly in: string }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: Json }> };
  readonly responses: Record<string, { readonly content?: Record<string, { readonly schema: Json }> }>;
}

interface Document {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { readonly schemas: Record<string, Json> };
}

let h: Harness;
let admin: string;
let doc: Document;

beforeAll(async () => {
  h = await startHarness();
  admin = (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key;
  doc = (await h.inject({ method: 'GET', url: '/api/openapi.json' })).json() as Document;
});
afterAll(async () => {
  await h.close();
});

function operations(): { method: string; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, op })),
  );
}

/** The component schema a `{ $ref }` names. */
function resolve(schema: Json): Json {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  const found = doc.components.schemas[ref.replace('#/components/schemas/', '')];
  if (!found) throw new Error(`dangling ${ref}`);
  return found;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 by Redocly’s recommended rules, with no warning either', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(doc),
      absoluteRef: 'openapi.json',
      config,
    });
    const found = problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`,
    );
    expect(found).toEqual([]);
  });

  it('names every /api route the app serves, and nothing else', () => {
    const served = routesOf(h.app)
      .filter((r) => r.url.startsWith('/api/') && r.url !== '/api/openapi.json' && r.method !== 'HEAD')
      .map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = operations()
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(documented).toEqual(served);
    expect(documented.length).toBeGreaterThanOrEqual(30);
  });

  it('gives every operation an id, a summary, a real schema for each body and every error status', () => {
    const ids = new Set<string>();
    for (const { method, path, op } of operations()) {
      const name = `${method} ${path}`;
      expect({ name, id: typeof op.operationId, summary: typeof op.summary }).toEqual({
        name,
        id: 'string',
        summary: 'string',
      });
      ids.add(op.operationId ?? '');
      const statuses = Object.keys(op.responses);
      const required = ['400', '401', '403', '500', '503', ...(path.includes('{') ? ['404'] : [])];
      expect({ name, missing: required.filter((s) => !statuses.includes(s)) }).toEqual({ name, missing: [] });
      if (method !== 'get')
        expect({ name, has413: statuses.includes('413') }).toEqual({ name, has413: true });
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.['application/json']?.schema;
        if (status === '204') {
          expect(schema).toBeUndefined();
          continue;
        }
        if (!schema) throw new Error(`${name} ${status} has no body schema`);
        const resolved = resolve(schema);
        // The thin document described every success as a bare {"type":"object"}; now each names its fields.
        expect({
          name,
          status,
          properties: Object.keys((resolved['properties'] as Json | undefined) ?? {}),
        }).not.toEqual({ name, status, properties: [] });
        if (Number(status) >= 400) expect(schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) expect(Object.keys((resolve(body)['properties'] as Json | undefined) ?? {})).not.toEqual([]);
    }
    expect(ids.size).toBe(operations().length);
  });

  it('documents the instance body’s connections and carries examples', () => {
    const instance = doc.components.schemas['Instance'] as { properties: Json };
    expect(instance.properties['connections']).toMatchObject({
      type: 'array',
      items: { $ref: '#/components/schemas/Connection' },
    });
    const create = doc.paths['/api/instances']?.['post']?.requestBody?.content['application/json']?.schema;
    expect(create && resolve(create)['properties']).toHaveProperty('connections');
    for (const name of ['Error', 'Customer', 'Connection', 'Component']) {
      expect(doc.components.schemas[name]?.['examples']).toEqual(expect.any(Array));
    }
    const publish = doc.paths['/api/components']?.['post']?.requestBody?.content ?? {};
    expect(Object.keys(publish).sort()).toEqual([
      'application/gzip',
      'application/javascript',
      'application/json',
      'application/octet-stream',
      'application/yaml',
    ]);
  });

  it('has examples that are valid by their own schemas', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false });
    ajv.addSchema(doc, 'openapi.json');
    const invalid: string[] = [];
    let examples = 0;
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const validate = ajv.compile({ $ref: `openapi.json#/components/schemas/${name}` });
      for (const example of (schema['examples'] as unknown[] | undefined) ?? []) {
        examples += 1;
        if (!validate(example)) invalid.push(`${name}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    const error = ajv.compile({ $ref: 'openapi.json#/components/schemas/Error' });
    for (const { method, path, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const example = (response.content?.['application/json'] as { example?: unknown } | undefined)
          ?.example;
        if (example === undefined) continue;
        examples += 1;
        if (!error(example)) invalid.push(`${method} ${path} ${status}: ${ajv.errorsText(error.errors)}`);
      }
    }
    expect(invalid).toEqual([]);
    expect(examples).toBeGreaterThan(100);
  });

  it('pages every list: an array in the answer comes with nextCursor, and limit and cursor are parameters', () => {
    let lists = 0;
    for (const { method, path, op } of operations()) {
      const schema = op.responses['200']?.content?.['application/json']?.schema;
      if (!schema) continue;
      const properties = (resolve(schema)['properties'] ?? {}) as Record<string, Json>;
      const arrays = Object.keys(properties).filter((key) => properties[key]?.['type'] === 'array');
      if (arrays.length === 0) continue;
      lists += 1;
      const params = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect({ list: `${method} ${path}`, nextCursor: 'nextCursor' in properties, params }).toEqual({
        list: `${method} ${path}`,
        nextCursor: true,
        params: expect.arrayContaining(['limit', 'cursor']),
      });
    }
    expect(lists).toBeGreaterThanOrEqual(10);
  });
});

describe('every route, walked from the document', () => {
  it('refuses an unknown query parameter with 400 KW_REQUEST_INVALID naming it, and changes nothing', async () => {
    const auditBefore = (await h.store.admin.auditPage({ limit: 200 })).items.length;
    let walked = 0;
    for (const { method, path } of operations()) {
      const url = `${path.replace(/\{(\w+)\}/g, 'x$1')}?bogusParam=1`;
      const res = await h.inject({
        method: method.toUpperCase() as 'GET' | 'POST' | 'PATCH' | 'DELETE',
        url,
        headers: { authorization: `Bearer ${admin}` },
      });
      expect({ route: `${method} ${path}`, status: res.statusCode, body: res.json() }).toEqual({
        route: `${method} ${path}`,
        status: 400,
        body: {
          error: expect.objectContaining({
            code: 'KW_REQUEST_INVALID',
            message: expect.stringContaining('bogusParam'),
          }),
        },
      });
      walked += 1;
    }
    expect(walked).toBe(operations().length);
    expect((await h.store.admin.auditPage({ limit: 200 })).items.length).toBe(auditBefore);
  });

  it('pages every list: at most `limit` items, a bad limit or a forged cursor is a 400', async () => {
    const lists = operations().filter(
      ({ method, op }) => method === 'get' && (op.parameters ?? []).some((p) => p.name === 'cursor'),
    );
    expect(lists.length).toBeGreaterThanOrEqual(10);
    // The harness's instance A has three connections, so its lists have more than one item to page.
    const base = (path: string): string => path.replace('{id}', h.instanceA).replace('{key}', 'serverTest');
    const get = (url: string) =>
      h.inject({ method: 'GET', url, headers: { authorization: `Bearer ${admin}` } });
    for (const { path } of lists) {
      for (const query of ['limit=0', 'limit=201', 'limit=ten', 'cursor=bm90LWEtY3Vyc29y']) {
        const res = await get(`${base(path)}?${query}`);
        expect({ path, query, status: res.statusCode }).toEqual({ path, query, status: 400 });
      }
      const page = await get(`${base(path)}?limit=1`);
      // A component that was never published has no versions to list: 404.
      expect({ path, status: page.statusCode }).toEqual({ path, status: path.includes('{key}') ? 404 : 200 });
      if (page.statusCode !== 200) continue;
      const body = page.json() as Record<string, unknown>;
      const items = Object.values(body).find(Array.isArray) as unknown[];
      expect({ path, items: items.length <= 1 }).toEqual({ path, items: true });
    }
  });
});

/** The source of every test file but this one. */
function testSources(dir = join(__dirname, '..')): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .flatMap((path) =>
      statSync(path).isDirectory()
        ? [testSources(path)]
        : path.endsWith('.test.ts') && path !== __filename
          ? [readFileSync(path, 'utf8')]
          : [],
    )
    .join('\n');
}

describe('the API tests', () => {
  it('call every operation of the document at least once', () => {
    const sources = testSources();
    const uncalled = operations().filter(({ method, path }) => {
      // A path parameter is any segment: a literal id or an interpolation.
      const pattern = path
        .split('/')
        .map((s) => (s.startsWith('{') ? '[^/\'"`?]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      const calls = new RegExp(`${pattern}(?=['"\`?])`, 'g');
      for (const match of sources.matchAll(calls)) {
        // The method is named just before the URL: call('PATCH', …), method: 'DELETE', keyway.POST(…).
        const before = sources.slice(Math.max(0, match.index - 120), match.index).toUpperCase();
        if (before.includes(method.toUpperCase())) return false;
        // A paging helper reads a list page by page with GETs.
        if (method === 'get' && before.includes('ALLPAGES')) return false;
      }
      return true;
    });
    expect(uncalled.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });
});
