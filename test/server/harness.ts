/**
 * A real Keyway server for the server tests: the sandbox authorization server (oidc-provider), a SQLite store
 * in a temp dir, the runtime's connect flows, and the app built by `buildApp`. Time is a real clock plus an
 * adjustable offset, so tests can expire links and auth sessions without waiting.
 */
import { action, component, input } from '@prismatic-io/spectral';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { defineProvider, sandbox as sandboxProvider, toSpectralConnection } from '../../connections';
import {
  ComponentRegistry,
  ConnectFlows,
  CredentialManager,
  Triggers,
  WebhookDirectory,
  createInstance,
} from '../../src/runtime';
import { startSandbox } from '../../src/sandbox';
import type { ProviderLookup } from '../../src/runtime';
import type { Sandbox, SandboxOptions } from '../../src/sandbox';
import { buildApp, createRuntimeServices, signConnectLink } from '../../src/server';
import type { ServerConfigInput } from '../../src/server';
import type { Connection, Store } from '../../src/store';
import { buildTestComponent } from '../support/components/build';
import { openSqliteTestStore } from '../support/runtime-stores';
import type { TestStore } from '../support/runtime-stores';
import { openApiChecker } from '../support/openapi-check';
import type { OpenApiDocument } from '../support/openapi-check';

/** The sandbox's device client is public, so its device connection authenticates with `none`. */
const sandboxDevice = defineProvider({
  ...sandboxProvider,
  key: 'sandboxDevice',
  grantTypes: ['device_code'],
  clientAuthMethod: 'none',
  pkce: false,
  extraAuthorizeParams: {},
});

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

/** A component with one connection per grant the connect page offers, all against the sandbox. */
export const serverTestComponent = component({
  key: 'serverTest',
  public: false,
  display: {
    label: 'Acme <CRM> sync',
    description: 'Test component for the server tests.',
    iconPath: 'icon.png',
  },
  connections: [
    toSpectralConnection(sandboxProvider, { grantType: 'authorization_code', key: 'sandboxOAuth' }),
    toSpectralConnection(sandboxProvider, {
      grantType: 'client_credentials',
      key: 'sandboxCc',
      scopes: ['api:read'],
    }),
    toSpectralConnection(sandboxDevice, { grantType: 'device_code', key: 'sandboxDevice' }),
  ],
  actions: {
    whoami: action({
      display: { label: 'Who am I', description: 'Echoes the connection key.' },
      inputs: { connection: connectionInput },
      perform: async (_context, { connection }) => Promise.resolve({ data: { key: connection.key } }),
    }),
  },
});

/** Everything a server test needs. */
/** A response as the tests read it. */
export interface TestResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | undefined> & { 'set-cookie'?: string };
  readonly body: string;
  json(): unknown;
}

/** A request over real HTTP to the listening app. */
export interface TestRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly payload?: string | Uint8Array;
}

export interface Harness {
  readonly app: FastifyInstance;
  /** Where the app listens (127.0.0.1, ephemeral port). */
  readonly listenUrl: string;
  /**
   * Sends a request over 127.0.0.1 without following redirects. (fastify's `inject` pulls in an ESM-only
   * `cookie` package that jest's CommonJS loader cannot require.)
   */
  inject(request: TestRequest): Promise<TestResponse>;
  readonly store: Store;
  /** Opens another store on the same database, as a second replica would. */
  readonly openReplica: () => Promise<Store>;
  /** Runs SQL on the store's database outside the store, to inject a fault (see TestStore.rawExec). */
  readonly rawExec: (sqlText: string) => Promise<void>;
  /** The registry the app runs components from; tests may register more. */
  readonly components: ComponentRegistry;
  readonly credentials: CredentialManager;
  /** Trigger subscriptions (wired into the app: `/api/triggers`, `/trigger/<token>`). */
  readonly triggers: Triggers;
  readonly sandbox: Sandbox;
  readonly baseUrl: string;
  readonly linkSecret: string;
  /** Instance A: `crm` (code + PKCE), `service` (client credentials), `tv` (device). */
  readonly instanceA: string;
  /** Instance B: one `crm` connection. */
  readonly instanceB: string;
  connection(instanceId: string, name: string): Promise<Connection>;
  /** A signed connect-link path (`/connect/<token>`). */
  linkPath(
    instanceId: string,
    options?: { connectionIds?: string[]; ttlMs?: number; successUrl?: string; popup?: boolean },
  ): string;
  /** Moves the server's clock. */
  advance(ms: number): void;
  now(): number;
  close(): Promise<void>;
}

export const ALLOWED_ORIGIN = 'https://app.example.com';
export const POPUP_ORIGIN = 'https://portal.example.com';

/** Starts the sandbox, a SQLite store and the app; `baseUrl` is where the app is (or will be) reachable. */
export async function startHarness(
  options: {
    baseUrl?: string;
    port?: number;
    config?: Partial<ServerConfigInput>;
    /** Sandbox options, e.g. `{ interactive: true }` for its consent page with Approve and Deny. */
    sandbox?: Omit<SandboxOptions, 'redirectUris'>;
    /** The store to run on; a fresh SQLite store when omitted. */
    openStore?: () => Promise<TestStore>;
    /** A pino logger for the app; logging is off when omitted. */
    logger?: FastifyBaseLogger;
    /** The provider catalog for OAuth apps per provider; none when omitted. */
    providers?: ProviderLookup;
  } = {},
): Promise<Harness> {
  const baseUrl = options.baseUrl ?? 'http://keyway.test';
  let offset = 0;
  const now = () => Date.now() + offset;
  const sandbox = await startSandbox({ ...options.sandbox, redirectUris: [`${baseUrl}/oauth/callback`] });
  const testStore = await (options.openStore ?? openSqliteTestStore)();
  const { store, close: closeStore } = testStore;
  const components = new ComponentRegistry({ store });
  components.registerExports({ default: serverTestComponent }, 'server-test-bundle');
  const flows = new ConnectFlows({ store, components, now });
  const credentials = new CredentialManager({ store, components, now });
  const webhooks = new WebhookDirectory({ store, publicBaseUrl: baseUrl, now });
  const triggers = new Triggers({ store, components, credentials, webhooks, now });
  const services = createRuntimeServices({
    store,
    components,
    flows,
    credentials,
    now,
    triggers: { triggers, webhooks },
    ...(options.providers ? { providers: options.providers } : {}),
  });

  const customer = await store.createCustomer({ name: 'Customer <b>A</b>' });
  const issuer = sandbox.url;
  const basic = sandbox.clients.basic;
  const a = await createInstance(
    { store, components },
    {
      customerId: customer.id,
      name: 'Production <script>alert(1)</script>',
      components: ['serverTest'],
      connections: [
        {
          name: 'crm',
          componentKey: 'serverTest',
          definitionKey: 'sandboxOAuth',
          fields: { issuer, clientId: basic.clientId, clientSecret: basic.clientSecret ?? '' },
        },
        { name: 'service', componentKey: 'serverTest', definitionKey: 'sandboxCc', fields: { issuer } },
        {
          name: 'tv',
          componentKey: 'serverTest',
          definitionKey: 'sandboxDevice',
          fields: { issuer, clientId: sandbox.clients.device.clientId },
        },
      ],
    },
  );
  const b = await createInstance(
    { store, components },
    {
      customerId: customer.id,
      name: 'Instance B',
      components: ['serverTest'],
      connections: [
        {
          name: 'crm',
          componentKey: 'serverTest',
          definitionKey: 'sandboxOAuth',
          fields: { issuer, clientId: basic.clientId, clientSecret: basic.clientSecret ?? '' },
        },
      ],
    },
  );

  const linkSecret = 'test-link-secret-0123456789abcdef-0123456789';
  const app = buildApp(
    { ...services, now, ...(options.logger ? { logger: options.logger } : {}) },
    {
      publicBaseUrl: baseUrl,
      linkSecret,
      platformName: 'Acme Platform',
      allowedRedirectOrigins: [ALLOWED_ORIGIN],
      popupOrigin: POPUP_ORIGIN,
      ...options.config,
    },
  );

  let listenUrl: string;
  try {
    listenUrl = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  } catch (error) {
    // A port chosen beforehand may have been taken meanwhile: free the rest, so the caller can try another one.
    await app.close();
    await closeStore();
    await sandbox.close();
    throw error;
  }
  let checker: ReturnType<typeof openApiChecker> | undefined;
  /** Every `/api` answer is checked against the served OpenAPI document: declared status, matching body. */
  const checkApi = async (request: TestRequest, status: number, body: string): Promise<void> => {
    if (!request.url.startsWith('/api/')) return;
    checker ??= openApiChecker(
      (await (await fetch(`${listenUrl}/api/openapi.json`)).json()) as OpenApiDocument,
    );
    checker.check(request.method, request.url, status, body);
  };
  return {
    app,
    listenUrl,
    async inject(request) {
      const res = await fetch(`${listenUrl}${request.url}`, {
        method: request.method,
        redirect: 'manual',
        headers: request.headers ?? {},
        ...(request.payload !== undefined ? { body: request.payload } : {}),
      });
      const headers: Record<string, string | undefined> = {};
      res.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const setCookie = res.headers.getSetCookie();
      if (setCookie.length > 0) headers['set-cookie'] = setCookie[0];
      const body = await res.text();
      await checkApi(request, res.status, body);
      return { statusCode: res.status, headers, body, json: () => JSON.parse(body) as unknown };
    },
    store,
    openReplica: testStore.openReplica,
    rawExec: testStore.rawExec,
    components,
    credentials,
    triggers,
    sandbox,
    baseUrl,
    linkSecret,
    instanceA: a.instance.id,
    instanceB: b.instance.id,
    async connection(instanceId, name) {
      const found = await store.getConnectionByName(instanceId, name);
      if (!found) throw new Error(`no connection ${name}`);
      return found;
    },
    linkPath(instanceId, link = {}) {
      const { token } = signConnectLink(
        {
          instanceId,
          ttlMs: link.ttlMs ?? 3600_000,
          ...(link.connectionIds ? { connectionIds: link.connectionIds } : {}),
          ...(link.successUrl ? { successUrl: link.successUrl } : {}),
          ...(link.popup ? { popup: true } : {}),
        },
        { secret: linkSecret, now: now() },
      );
      return `/connect/${token}`;
    },
    advance(ms) {
      offset += ms;
    },
    now,
    async close() {
      await app.close();
      await closeStore();
      await sandbox.close();
    },
  };
}

/** The browser cookie (`name=value`) from a response's Set-Cookie header. */
export function cookieFrom(setCookie: string | string[] | number | undefined): string {
  const line = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (typeof line !== 'string') throw new Error('no set-cookie');
  return line.split(';')[0] ?? '';
}

/** The CSRF token embedded in a connect page. */
export function csrfFrom(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no CSRF token in page');
  return match[1];
}

/** The instance {@link addPasswordInstance} creates. */
export interface PasswordInstance {
  readonly instanceId: string;
  /** Its one connection, `account`: the sandbox's password grant, client id and secret already set. */
  readonly connectionName: 'account';
  readonly componentKey: 'sandboxPassword';
}

/**
 * Builds the test-only `sandboxPassword` component (test/support/components/sandbox-password) with esbuild,
 * registers the bundle and creates an instance whose connection uses the sandbox's password grant.
 */
export async function addPasswordInstance(h: Harness): Promise<PasswordInstance> {
  h.components.loadFromPath(buildTestComponent('sandbox-password'));
  const customer = await h.store.createCustomer({ name: 'Password customer' });
  const client = h.sandbox.clients.password;
  const created = await createInstance(
    { store: h.store, components: h.components },
    {
      customerId: customer.id,
      name: 'Password instance',
      components: ['sandboxPassword'],
      connections: [
        {
          name: 'account',
          componentKey: 'sandboxPassword',
          definitionKey: 'sandboxPassword',
          fields: {
            issuer: h.sandbox.url,
            clientId: client.clientId,
            clientSecret: client.clientSecret ?? '',
          },
        },
      ],
    },
  );
  return { instanceId: created.instance.id, connectionName: 'account', componentKey: 'sandboxPassword' };
}

/**
 * The setup most API test files share: before the file's tests a harness on SQLite and an API key with every
 * scope (`ctx.h`, `ctx.admin`), closed after them.
 */
export function adminHarness(): { readonly h: Harness; readonly admin: string } {
  let started: { h: Harness; admin: string } | undefined;
  beforeAll(async () => {
    const h = await startHarness();
    started = { h, admin: (await h.store.createApiKey({ name: 'admin', scopes: ['*'] })).key };
  });
  afterAll(async () => {
    await started?.h.close();
  });
  const get = () => {
    if (!started) throw new Error('adminHarness is read before its beforeAll ran');
    return started;
  };
  return {
    get h() {
      return get().h;
    },
    get admin() {
      return get().admin;
    },
  };
}
