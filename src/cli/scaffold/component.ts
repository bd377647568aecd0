/**
 * The files `keyway init component <dir>` writes: a connector package of its own, outside any Keyway checkout —
 * a spectral component whose connections come from `keyway/providers`, built by tsup into one self-contained
 * CommonJS file, tested with jest against Keyway's sandbox through `keyway/testing`, and published to a running
 * Keyway through its REST API (`npm run publish:keyway`). docs/write-a-connector.md walks through it.
 */

/** What to scaffold. */
export interface ComponentScaffold {
  /** The npm package name. */
  readonly packageName: string;
  /** The component key (a spectral component's `key`). */
  readonly componentKey: string;
  /** How the package depends on Keyway: a version range, or `file:<tarball>`. */
  readonly keywaySpec: string;
}

/** The versions the scaffold pins: the ones Keyway itself is built and tested with. */
const PINNED = {
  spectral: '10.31.1',
  axios: '1.21.1',
  tsup: '8.5.1',
  typescript: '5.9.3',
  jest: '30.5.2',
  tsJest: '29.4.15',
  typesJest: '30.0.0',
  typesNode: '20.19.25',
} as const;

function packageJson(s: ComponentScaffold): string {
  const pkg = {
    name: s.packageName,
    version: '0.1.0',
    private: true,
    description: 'A Keyway / Prismatic connector',
    main: 'dist/index.js',
    scripts: {
      build: 'tsup',
      // oidc-provider (the sandbox) is an ES module: jest loads it through node's VM modules.
      test: 'node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js',
      'publish:keyway': 'node scripts/publish.mjs',
    },
    dependencies: { '@prismatic-io/spectral': PINNED.spectral, axios: PINNED.axios },
    devDependencies: {
      '@types/jest': PINNED.typesJest,
      '@types/node': PINNED.typesNode,
      jest: PINNED.jest,
      keyway: s.keywaySpec,
      'ts-jest': PINNED.tsJest,
      tsup: PINNED.tsup,
      typescript: PINNED.typescript,
    },
    allowScripts: { 'better-sqlite3': true },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "node16",
    "moduleResolution": "node16",
    "strict": true,
    "esModuleInterop": true,
    "skipLibCheck": true,
    "noEmit": true,
    "types": ["node", "jest"]
  },
  "include": ["src", "test"]
}
`;

const TSUP_CONFIG = `import { defineConfig } from 'tsup';

// One self-contained CommonJS file: spectral, axios and the provider helpers are bundled in, so Keyway (or
// Prismatic) loads dist/index.js with nothing else installed.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['cjs'],
  target: 'node20',
  platform: 'node',
  noExternal: [/.*/],
  clean: true,
});
`;

const JEST_CONFIG = `/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
};
`;

function componentSource(s: ComponentScaffold): string {
  return `/**
 * A starter connector. Its two connections come from Keyway's \`sandbox\` provider (a local authorization server,
 * so the tests need no vendor account): one authorization code + PKCE, one client credentials. Replace \`sandbox\`
 * with your provider — \`defineProvider({ key, displayName, authorizeUrl, tokenUrl, … })\` — see
 * docs/write-a-connector.md in Keyway.
 */
import { ConnectionError, action, component, input, util, type Connection } from '@prismatic-io/spectral';
import axios from 'axios';
import { sandbox, toSpectralConnection } from 'keyway/providers';

/** Authorization code with PKCE: a person signs in at the provider. */
export const oauth = toSpectralConnection(sandbox, { grantType: 'authorization_code', key: 'sandboxOAuth' });
/** Client credentials: the platform's (or the customer's) client, no person. */
export const clientCredentials = toSpectralConnection(sandbox, {
  grantType: 'client_credentials',
  key: 'sandboxClientCredentials',
  scopes: ['api:read'],
});

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

function bearer(connection: Connection): string {
  const token = util.types.toString(connection.token?.access_token);
  if (token === '') throw new ConnectionError(connection, 'Not connected yet: connect it first.');
  return token;
}

const getMe = action({
  display: { label: 'Get me', description: 'Who the token belongs to (GET /api/me).' },
  inputs: { connection: connectionInput },
  perform: async (_context, { connection }) => {
    const baseURL = util.types.toString(connection.fields.apiBaseUrl);
    const { data } = await axios.get<Record<string, unknown>>('/api/me', {
      baseURL,
      headers: { Authorization: \`Bearer \${bearer(connection)}\` },
    });
    return { data };
  },
});

export default component({
  key: ${JSON.stringify(s.componentKey)},
  public: false,
  display: { label: ${JSON.stringify(s.componentKey)}, description: 'A Keyway connector.', iconPath: 'icon.png' },
  connections: [oauth, clientCredentials],
  actions: { getMe },
});
`;
}

const TEST_SOURCE = `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectWithSandbox, withStoredToken } from 'keyway/testing';
import component from '../src/index';

describe('the connector', () => {
  it('runs getMe after a real authorization code + PKCE flow against the sandbox', async () => {
    const kw = await connectWithSandbox({ component, definitionKey: 'sandboxOAuth' });
    try {
      const { result } = await kw.runAction('getMe');
      expect(result).toMatchObject({ data: { sub: expect.any(String), name: expect.any(String) } });
    } finally {
      await kw.close();
    }
  });

  it('runs getMe with a client-credentials token from the sandbox', async () => {
    const kw = await connectWithSandbox({ component, definitionKey: 'sandboxClientCredentials' });
    try {
      const { result } = await kw.runAction('getMe');
      expect(result).toMatchObject({ data: { client_id: expect.any(String) } });
    } finally {
      await kw.close();
    }
  });

  it('runs getMe against a fake API with a stored token', async () => {
    const fake = createServer((req, res) => {
      const ok = req.url === '/api/me' && req.headers.authorization === 'Bearer stored-token';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? { sub: 'fake-user' } : { error: 'invalid_token' }));
    });
    await new Promise<void>((done) => fake.listen(0, '127.0.0.1', done));
    const issuer = \`http://127.0.0.1:\${(fake.address() as AddressInfo).port}\`;
    const kw = await withStoredToken({
      component,
      definitionKey: 'sandboxOAuth',
      fields: { issuer },
      token: { access_token: 'stored-token', token_type: 'Bearer', expires_in: 3600 },
    });
    try {
      expect((await kw.runAction('getMe')).result).toEqual({ data: { sub: 'fake-user' } });
    } finally {
      await kw.close();
      fake.close();
    }
  });
});
`;

const PUBLISH_SCRIPT = `// Publishes dist/index.js to a running Keyway through its REST API (gzip-compressed, as POST /api/components
// takes it). Needs KEYWAY_URL (e.g. https://keyway.example.com) and KEYWAY_API_KEY (scope components:write).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const url = process.env.KEYWAY_URL;
const key = process.env.KEYWAY_API_KEY;
if (!url || !key) {
  console.error('Set KEYWAY_URL and KEYWAY_API_KEY (an API key with components:write).');
  process.exit(1);
}
const res = await fetch(\`\${url.replace(/\\/+$/, '')}/api/components\`, {
  method: 'POST',
  headers: {
    authorization: \`Bearer \${key}\`,
    'content-type': 'application/octet-stream',
    'content-encoding': 'gzip',
  },
  body: gzipSync(readFileSync('dist/index.js')),
});
const body = await res.json();
if (!res.ok) {
  console.error(\`Keyway refused the bundle (\${res.status}): \${body.error?.code} \${body.error?.message}\`);
  process.exit(1);
}
console.log(\`published \${body.component.key} version \${body.component.version}\`);
`;

// .keyway/ is where `npx keyway serve` run in the package keeps its encryption key, link secret and database.
const GITIGNORE = `node_modules/
dist/
.keyway/
`;

/** Every file of the scaffold, by path relative to the package directory. */
export function componentScaffold(s: ComponentScaffold): Record<string, string> {
  return {
    'package.json': packageJson(s),
    'tsconfig.json': TSCONFIG,
    'tsup.config.ts': TSUP_CONFIG,
    'jest.config.js': JEST_CONFIG,
    'src/index.ts': componentSource(s),
    'test/index.test.ts': TEST_SOURCE,
    'scripts/publish.mjs': PUBLISH_SCRIPT,
    '.gitignore': GITIGNORE,
  };
}
