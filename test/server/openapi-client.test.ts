/**
 * A TypeScript client generated from the served OpenAPI document, as a platform team would make one:
 * `openapi-typescript` writes the types, `openapi-fetch` is the client, `tsc` compiles a small program in a
 * directory outside the repo, and node runs it against a listening Keyway. The program walks the README's
 * flow: publish a component, create a customer and an instance, hand out a connect link, activate the
 * connection, run an action, list connected connections and the execution log.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SANDBOX_LOGIN } from '../../src/sandbox';
import { buildTestComponent } from '../support/components/build';
import { startHarness } from './harness';
import type { Harness } from './harness';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../..');
const NODE_MODULES = join(ROOT, 'node_modules');

/**
 * The platform team's program. Typed by the generated `paths`: the two `@ts-expect-error` lines fail to
 * compile if the document stops describing bodies (a bare `{"type":"object"}` accepts anything).
 */
const PROGRAM = `
import { readFileSync } from 'node:fs';
import createClient from 'openapi-fetch';
import type { components, paths } from './keyway-api.js';

type Connection = components['schemas']['Connection'];

const [baseUrl = '', key = '', bundlePath = '', fieldsJson = '{}'] = process.argv.slice(2);
const keyway = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${key}\` } });

function must<T>(step: string, answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data === undefined) {
    throw new Error(\`\${step}: \${answer.response.status} \${JSON.stringify(answer.error)}\`);
  }
  return answer.data;
}

const bundleBase64 = readFileSync(bundlePath).toString('base64');
const { component } = must('publish', await keyway.POST('/api/components', { body: { bundleBase64 } }));
const versions = must(
  'versions',
  await keyway.GET('/api/components/{key}/versions', { params: { path: { key: component.key } } }),
);
const { customer } = must('customer', await keyway.POST('/api/customers', { body: { name: 'Initech' } }));
// @ts-expect-error -- the document types the body: a misspelt field does not compile
void keyway.POST('/api/customers', { body: { nmae: 'Initech' } });
const fields = JSON.parse(fieldsJson) as Record<string, string>;
const { instance } = must(
  'instance',
  await keyway.POST('/api/instances', {
    body: {
      customerId: customer.id,
      name: 'Initech password sync',
      components: [component.key],
      connections: [{ name: 'account', componentKey: component.key, fields }],
    },
  }),
);
const { link } = must(
  'connect link',
  await keyway.POST('/api/instances/{id}/connect-links', {
    params: { path: { id: instance.id } },
    body: { ttlSeconds: 3600 },
  }),
);
const activation = must(
  'activate',
  await keyway.POST('/api/instances/{id}/connections/{name}/activate', {
    params: { path: { id: instance.id, name: 'account' } },
  }),
);
const ran = must(
  'action',
  await keyway.POST('/api/instances/{id}/actions/{componentKey}/{actionKey}', {
    params: { path: { id: instance.id, componentKey: component.key, actionKey: 'getMe' } },
    body: { inputs: {} },
  }),
);
const connected = must(
  'connections',
  await keyway.GET('/api/connections', {
    params: { query: { instanceId: instance.id, status: 'connected', limit: 10 } },
  }),
);
const executions = must(
  'executions',
  await keyway.GET('/api/executions', { params: { query: { instanceId: instance.id } } }),
);
const missing = await keyway.GET('/api/customers/{id}', { params: { path: { id: 'no-such-customer' } } });
// @ts-expect-error -- the document types the error body: there is no "reason" field
void missing.error?.error.reason;
const names: string[] = connected.connections.map((c: Connection) => c.name);

console.log(
  JSON.stringify({
    component: { key: component.key, version: component.version },
    versions: versions.versions.length,
    linkUrl: link.url,
    status: activation.connection.status,
    tokenType: activation.token.tokenType,
    executionId: ran.executionId,
    result: ran.result,
    connected: names,
    executions: executions.executions.map((e) => ({ id: e.id, status: e.status })),
    missing: { status: missing.response.status, code: missing.error?.error.code },
  }),
);
`;

let h: Harness;
let key: string;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  key = (await h.store.createApiKey({ name: 'platform', scopes: ['*'] })).key;
  // Outside the repo, as the platform team's own project; it reuses this checkout's installed packages.
  dir = mkdtempSync(join(tmpdir(), 'keyway-api-client-'));
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

it('generates a typed client from the document that compiles and runs the README flow', async () => {
  const document = await (await fetch(`${h.listenUrl}/api/openapi.json`)).text();
  writeFileSync(join(dir, 'openapi.json'), document);
  await run(process.execPath, [
    join(NODE_MODULES, 'openapi-typescript/bin/cli.js'),
    join(dir, 'openapi.json'),
    // Request fields with a default (an instance's `config`) are optional to send; by default the generator
    // would type every field with a default as required.
    '--default-non-nullable=false',
    '--output',
    join(dir, 'keyway-api.d.ts'),
  ]);
  const types = readFileSync(join(dir, 'keyway-api.d.ts'), 'utf8');
  expect(types).toContain('"/api/instances/{id}/actions/{componentKey}/{actionKey}"');
  expect(types).toContain('runAction');

  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'client.ts'), PROGRAM);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types: ['node'],
        skipLibCheck: true,
        outDir: 'out',
      },
      files: ['client.ts'],
    }),
  );
  const tsc = await run(process.execPath, [join(NODE_MODULES, 'typescript/bin/tsc'), '-p', dir]).catch(
    (err: Error & { stdout?: string }) => {
      throw new Error(`tsc failed:\n${err.stdout ?? err.message}`);
    },
  );
  expect(tsc.stdout).toBe('');

  const client = h.sandbox.clients.password;
  const fields = {
    issuer: h.sandbox.url,
    clientId: client.clientId,
    clientSecret: client.clientSecret ?? '',
    username: SANDBOX_LOGIN.username,
    password: SANDBOX_LOGIN.password,
  };
  const { stdout } = await run(process.execPath, [
    join(dir, 'out/client.js'),
    h.listenUrl,
    key,
    buildTestComponent('sandbox-password'),
    JSON.stringify(fields),
  ]);
  const flow = JSON.parse(stdout) as {
    component: { key: string; version: number };
    executionId: string;
    executions: { id: string; status: string }[];
    [key: string]: unknown;
  };
  expect(flow).toMatchObject({
    component: { key: 'sandboxPassword', version: 1 },
    versions: 1,
    linkUrl: expect.stringMatching(new RegExp(`^${h.baseUrl}/connect/`)),
    status: 'connected',
    tokenType: 'bearer',
    result: { data: { sub: SANDBOX_LOGIN.username } },
    connected: ['account'],
    missing: { status: 404, code: 'KW_API_NOT_FOUND' },
  });
  expect(flow.executions).toEqual([{ id: flow.executionId, status: 'succeeded' }]);
  // What the client saw is what the server stored.
  const stored = await h.store.admin.executionsPage({ status: 'succeeded' }, { limit: 200 });
  expect(stored.items.map((e) => e.id)).toContain(flow.executionId);
  // Three node processes, tsc the longest: 35 s measured on 2 cores at load 17 (generate 10 s, tsc 15 s, run 6 s),
  // past jest's default 30 s. The limit leaves room for a slower host.
}, 180_000);
