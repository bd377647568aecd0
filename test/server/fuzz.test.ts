/**
 * Hostile input on every HTTP route, on both engines at once: NUL bytes, huge and malformed values and wrong
 * types in path parameters, queries, JSON and form bodies. The routes are read from the app itself
 * (`routesOf`), so a route added later is fuzzed without being named here. Each request goes to a SQLite and a
 * PostgreSQL server in lockstep; both must answer the same status, never a 5xx, never a stack trace, and log no
 * error for a client's mistake.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { routesOf } from '../../src/server';
import type { RouteSummary } from '../../src/server';
import { openPostgresTestStore, openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { cookieFrom, csrfFrom, startHarness } from './harness';
import type { Harness, TestRequest, TestResponse } from './harness';

/** What a request may refer to on one server: real ids, a valid link, a browser cookie with its CSRF token. */
interface Target {
  readonly h: Harness;
  readonly logs: { level: number; msg?: string; err?: unknown }[];
  readonly key: string;
  readonly customerId: string;
  readonly connectionId: string;
  readonly linkToken: string;
  readonly cookie: string;
  readonly csrf: string;
}

/** One fuzz case, written once and rendered for each server (whose ids differ). */
interface Case {
  readonly label: string;
  readonly render: (t: Target) => TestRequest;
}

async function startTarget(openStore: () => Promise<TestStore>): Promise<Target> {
  const logs: Target['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(JSON.parse(chunk.toString('utf8')) as Target['logs'][number]);
      callback();
    },
  });
  const h = await startHarness({ openStore, logger: pino({ level: 'info' }, sink) });
  const key = (await h.store.createApiKey({ name: 'fuzz', scopes: ['*'] })).key;
  const customerId = (await h.store.createCustomer({ name: 'Fuzz customer' })).id;
  const connectionId = (await h.connection(h.instanceA, 'crm')).id;
  const linkPath = h.linkPath(h.instanceA);
  const page = await h.inject({ method: 'GET', url: linkPath });
  return {
    h,
    logs,
    key,
    customerId,
    connectionId,
    linkToken: linkPath.slice('/connect/'.length),
    cookie: cookieFrom(page.headers['set-cookie']),
    csrf: csrfFrom(page.body),
  };
}

/** A real value for a path parameter, so hostile values elsewhere reach the handler and the store. */
function paramValue(t: Target, url: string, name: string): string {
  if (name === 'token') return t.linkToken;
  if (name === 'connectionId') return t.connectionId;
  if (name === 'componentKey') return 'serverTest';
  if (name === 'actionKey') return 'whoami';
  if (name !== 'id') return 'fuzz';
  const resource = /\/([^/]+)\/:id/.exec(url)?.[1];
  if (resource === 'customers') return t.customerId;
  if (resource === 'connections') return t.connectionId;
  return t.h.instanceA;
}

/** Raw (already URL-encoded) path segments. */
const HOSTILE_SEGMENTS = [
  '%00',
  'a%00b',
  '%FF',
  '%ED%A0%80',
  '%',
  '%2e%2e',
  '%20',
  '%0d%0aX-Injected:%201',
  '%E2%80%AE',
  encodeURIComponent("' OR 1=1 --"),
  'x'.repeat(250),
  'x'.repeat(3000),
];

/** Raw query strings. */
const HOSTILE_QUERIES = [
  'state=%00',
  'code=%00&state=%00',
  'code=x&state=y&iss=%00',
  '%00=1',
  'customerId=%00',
  'customerId=a&customerId=b',
  'customerId[]=x',
  'customerId=',
  `customerId=${'x'.repeat(6000)}`,
  'notice=%00',
  'limit=-1&cursor=%00',
  'limit=1e309&offset=abc',
  `cursor=${'%FF'.repeat(2000)}`,
  'error=%00&error_description=%00&state=%00',
];

/** Values that replace one string of a valid body at a time. */
const HOSTILE_VALUES: unknown[] = ['\u0000', 'a\u0000b', 'x'.repeat(50_000), 42, null, { '\u0000': 1 }];

/** Whole bodies of the wrong shape. */
const WRONG_BODIES = ['null', 'true', '42', '"text"', '[]', '[1,2]', '{}', '{"\\u0000":1}'];

/** Malformed bodies with their content types. */
const MALFORMED: { type: string | undefined; payload: string }[] = [
  { type: 'application/json', payload: '{' },
  { type: 'application/json', payload: '' },
  { type: 'application/json', payload: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { type: 'application/json', payload: '{"__proto__":{"admin":true}}' },
  { type: 'text/plain', payload: 'hello' },
  { type: 'application/xml', payload: '<a/>' },
  { type: undefined, payload: 'x' },
  { type: 'application/x-www-form-urlencoded', payload: 'a=%00' },
  { type: 'application/x-www-form-urlencoded', payload: 'a=1&a=2' },
  { type: 'application/x-www-form-urlencoded', payload: '%00=1' },
];

/** Valid-looking bodies of the routes known today; each string in them is replaced in turn. */
function baseBodies(t: Pick<Target, 'customerId' | 'connectionId'>): Record<string, unknown>[] {
  return [
    { name: 'Fuzz', externalId: 'fuzz-1' },
    {
      customerId: t.customerId,
      name: 'Fuzz instance',
      components: ['serverTest'],
      connections: [{ name: 'crm', componentKey: 'serverTest', fields: { clientId: 'id' } }],
    },
    { connectionIds: [t.connectionId], successUrl: 'https://app.example.com/done' },
    { inputs: { note: 'hello' }, connections: { connection: 'crm' } },
    { name: 'fuzz-key', scopes: ['instances:read'] },
  ];
}

/** Every path to a string inside `value`. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    stringPaths(v, [...path, Array.isArray(value) ? Number(k) : k]),
  );
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

function pathWith(t: Target, route: RouteSummary, raw?: { name: string; segment: string }): string {
  return route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
    raw && raw.name === name ? raw.segment : encodeURIComponent(paramValue(t, route.url, name)),
  );
}

function headers(t: Target, type?: string): Record<string, string> {
  return {
    authorization: `Bearer ${t.key}`,
    cookie: t.cookie,
    ...(type ? { 'content-type': type } : {}),
  };
}

/** The cases for one route. */
function casesFor(route: RouteSummary): Case[] {
  const method = route.method as TestRequest['method'];
  const hasBody = !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(route.method);
  const at = `${route.method} ${route.url}`;
  const cases: Case[] = [];
  const params = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] ?? '');
  const json = (label: string, body: (t: Target) => unknown): Case => ({
    label: `${at} ${label}`,
    render: (t) => ({
      method,
      url: pathWith(t, route),
      headers: headers(t, 'application/json'),
      payload: JSON.stringify(body(t)),
    }),
  });

  for (const name of params) {
    for (const segment of HOSTILE_SEGMENTS) {
      cases.push({
        label: `${at} :${name}=${segment.slice(0, 20)}`,
        render: (t) => ({
          method,
          url: pathWith(t, route, { name, segment }),
          headers: headers(t, hasBody ? 'application/json' : undefined),
          ...(hasBody ? { payload: '{}' } : {}),
        }),
      });
    }
  }
  for (const query of HOSTILE_QUERIES) {
    cases.push({
      label: `${at} ?${query.slice(0, 30)}`,
      render: (t) => ({ method, url: `${pathWith(t, route)}?${query}`, headers: headers(t) }),
    });
  }
  cases.push({
    label: `${at} with an unknown key`,
    render: (t) => ({
      method,
      url: pathWith(t, route),
      headers: { authorization: `Bearer kw_${'x'.repeat(5000)}` },
    }),
  });
  if (!hasBody) return cases;

  for (const payload of WRONG_BODIES) {
    cases.push({
      label: `${at} body ${payload}`,
      render: (t) => ({ method, url: pathWith(t, route), headers: headers(t, 'application/json'), payload }),
    });
  }
  for (const { type, payload } of MALFORMED) {
    cases.push({
      label: `${at} ${type ?? 'no type'} ${payload.slice(0, 20)}`,
      render: (t) => ({ method, url: pathWith(t, route), headers: headers(t, type), payload }),
    });
  }
  cases.push({
    label: `${at} form with a NUL field`,
    render: (t) => ({
      method,
      url: pathWith(t, route),
      headers: headers(t, 'application/x-www-form-urlencoded'),
      payload: `_csrf=${encodeURIComponent(t.csrf)}&username=%00&password=a%00b`,
    }),
  });
  cases.push({
    label: `${at} form with a NUL CSRF token`,
    render: (t) => ({
      method,
      url: pathWith(t, route),
      headers: headers(t, 'application/x-www-form-urlencoded'),
      payload: '_csrf=%00',
    }),
  });
  // Each base body once as it is, then with each of its strings replaced by each hostile value. The shape
  // (and so each string's path) is the same on both servers; only the ids differ.
  baseBodies({ customerId: 'c', connectionId: 'c' }).forEach((shape, b) => {
    cases.push(json(`base body ${b}`, (t) => baseBodies(t)[b]));
    for (const path of stringPaths(shape)) {
      HOSTILE_VALUES.forEach((value, v) => {
        cases.push(
          json(`body ${b} ${path.join('.')} → value ${v}`, (t) => replaceAt(baseBodies(t)[b], path, value)),
        );
      });
    }
  });
  return cases;
}

const STACK_TRACE = /\bat [^\n]*[\w.]+:\d+:\d+|node_modules\/|\/src\/[\w/-]+\.ts/;

let sqlite: Target;
let postgres: Target;

beforeAll(async () => {
  [sqlite, postgres] = await Promise.all([
    startTarget(openSqliteTestStore),
    startTarget(openPostgresTestStore),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([sqlite.h.close(), postgres.h.close()]);
}, 60_000);

async function send(t: Target, c: Case): Promise<TestResponse> {
  return t.h.inject(c.render(t));
}

it('answers hostile input on every route with the same 4xx on SQLite and PostgreSQL, without a stack trace', async () => {
  const routes = routesOf(sqlite.h.app).filter((r) => r.method !== 'HEAD');
  expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
    expect.arrayContaining([
      'GET /oauth/callback',
      'GET /api/customers/:id',
      'POST /connect/:token/c/:connectionId/disconnect',
    ]),
  );
  const cases = routes.flatMap(casesFor);
  const problems: string[] = [];
  const perRoute = new Map<string, number>();
  // A few requests at a time per server, so the run stays well under a minute on a shared machine.
  const batch = 8;
  for (let i = 0; i < cases.length; i += batch) {
    await Promise.all(
      cases.slice(i, i + batch).map(async (c) => {
        const [a, b] = await Promise.all([send(sqlite, c), send(postgres, c)]);
        const route = c.label.split(' ').slice(0, 2).join(' ');
        perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
        if (a.statusCode >= 500 || b.statusCode >= 500) {
          problems.push(`${c.label}: ${a.statusCode}/${b.statusCode} ${b.body.slice(0, 200)}`);
        } else if (a.statusCode !== b.statusCode) {
          problems.push(
            `${c.label}: SQLite ${a.statusCode}, PostgreSQL ${b.statusCode} ${b.body.slice(0, 200)}`,
          );
        }
        for (const res of [a, b]) {
          if (STACK_TRACE.test(res.body))
            problems.push(`${c.label}: stack trace in ${res.body.slice(0, 300)}`);
        }
      }),
    );
  }
  expect(problems).toEqual([]);
  expect(cases.length * 2).toBeGreaterThan(2000);
  for (const route of routes) expect(perRoute.get(`${route.method} ${route.url}`)).toBeGreaterThan(10);
  const errorLines = [...sqlite.logs, ...postgres.logs].filter((line) => line.level >= 50);
  expect(errorLines).toEqual([]);
  // About 25 s on a quiet 2-core host; a CI host at load 18 took 156 s.
}, 300_000);

describe('a NUL byte, which PostgreSQL cannot store', () => {
  it('gets the same 400 page from the callback on both engines, naming the field', async () => {
    for (const t of [sqlite, postgres]) {
      const res = await t.h.inject({ method: 'GET', url: '/oauth/callback?code=abc&state=%00' });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('KW_REQUEST_INVALID');
      expect(res.body).toContain('query.state');
    }
  });

  it('gets the same 400 from the API for an id or a customer name on both engines, and nothing is stored', async () => {
    for (const t of [sqlite, postgres]) {
      const before = (await t.h.store.listCustomers()).length;
      const auth = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
      const id = await t.h.inject({ method: 'GET', url: '/api/instances/a%00b', headers: auth });
      expect(id.statusCode).toBe(400);
      expect(id.json()).toMatchObject({
        error: { code: 'KW_REQUEST_INVALID', details: { issues: [{ path: 'params.id' }] } },
      });
      const name = await t.h.inject({
        method: 'POST',
        url: '/api/customers',
        headers: auth,
        payload: JSON.stringify({ name: 'Evil\u0000Corp' }),
      });
      expect(name.statusCode).toBe(400);
      expect(name.json()).toMatchObject({ error: { details: { issues: [{ path: 'body.name' }] } } });
      expect((await t.h.store.listCustomers()).length).toBe(before);
    }
  });
});
