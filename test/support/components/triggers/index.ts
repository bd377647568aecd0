/**
 * A test-only component with triggers, written with plain spectral: a webhook trigger that answers a
 * URL-verification handshake from `response` and digests the raw body, one that throws, one whose
 * onInstanceDeploy / onInstanceDelete register and remove a webhook at a vendor (an in-process fake given by the
 * `vendorUrl` input) with the connection's token, one reading the vendor's items on each request, one doing the same from spectral's `webhookLifecycleHandlers`
 * (keeping the vendor's hook id in `crossFlowState` by the flow's stable id, as Prismatic's docs advise), a polling trigger keeping a counter in `context.polling`, a
 * stateless webhook trigger answering with the `id` of the body it received (the burst tests), and an action that
 * returns `context.webhookUrls`.
 */
import { createHash } from 'node:crypto';
import { action, component, input, pollingTrigger, trigger } from '@prismatic-io/spectral';
import { sandbox, toSpectralConnection } from '../../../../connections';

const connectionInput = input({ label: 'Connection', type: 'connection', required: true });

function tokenOf(connection: unknown): string {
  const token = (connection as { token?: Record<string, unknown> }).token?.access_token;
  if (typeof token !== 'string') throw new Error('no token');
  return token;
}

async function vendor(
  url: string,
  method: string,
  token: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // The status rides on the error, as axios's `response.status` does: Keyway retries a 401 after a refresh.
  if (!res.ok) throw Object.assign(new Error(`vendor answered ${res.status}`), { status: res.status });
  return (await res.json()) as Record<string, unknown>;
}

export default component({
  key: 'triggerTest',
  public: false,
  display: { label: 'Trigger test', description: 'Triggers for the runtime tests.', iconPath: 'icon.png' },
  connections: [
    toSpectralConnection(sandbox, { grantType: 'client_credentials', key: 'cc', scopes: ['api:read'] }),
  ],
  actions: {
    urls: action({
      display: { label: 'URLs', description: 'Returns the webhook URLs the context lists.' },
      inputs: {},
      perform: async (context) =>
        Promise.resolve({
          data: { webhookUrls: context.webhookUrls, webhookApiKeys: context.webhookApiKeys },
        }),
    }),
  },
  triggers: {
    events: trigger({
      display: { label: 'Events', description: 'Receives events; answers url_verification.' },
      inputs: { greeting: input({ label: 'Greeting', type: 'string', default: 'hello' }) },
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (context, payload, params) => {
        const raw = payload.rawBody.data as Buffer;
        const data = payload.body.data as Record<string, unknown> | null;
        const count = Number(context.instanceState.count ?? 0) + 1;
        context.instanceState.count = count;
        context.crossFlowState.lastDigest = createHash('sha256').update(raw).digest('hex');
        if (data !== null && typeof data === 'object' && data.type === 'url_verification') {
          return Promise.resolve({
            payload,
            response: { statusCode: 200, contentType: 'text/plain', body: String(data.challenge) },
          });
        }
        return Promise.resolve({
          payload: { ...payload, body: { data: { data, greeting: params.greeting, count } } },
          response: {
            statusCode: 202,
            contentType: 'application/json',
            headers: { 'x-trigger': 'events' },
            body: JSON.stringify({
              ok: true,
              fragment: payload.pathFragment,
              query: payload.queryParameters,
            }),
          },
        });
      },
    }),
    echo: trigger({
      display: { label: 'Echo', description: 'Keeps no state; answers with the id of the body it received.' },
      inputs: {},
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (context, payload) =>
        Promise.resolve({
          payload,
          response: {
            statusCode: 200,
            contentType: 'application/json',
            body: JSON.stringify({
              id: (payload.body.data as { id?: unknown } | null)?.id ?? null,
              executionId: context.executionId,
            }),
          },
        }),
    }),
    lookup: trigger({
      display: {
        label: 'Lookup',
        description: 'Reads the vendor’s items with the connection’s token per request.',
      },
      inputs: {
        connection: connectionInput,
        vendorUrl: input({ label: 'Vendor URL', type: 'string', required: true }),
      },
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (_context, payload, params) => {
        const found = await vendor(`${String(params.vendorUrl)}/items`, 'GET', tokenOf(params.connection));
        return { payload: { ...payload, body: { data: found.items } } };
      },
    }),
    boom: trigger({
      display: { label: 'Boom', description: 'Always throws.' },
      inputs: {},
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async () =>
        Promise.reject(new Error('internal detail: db password hunter2 at /srv/app.js:42')),
    }),
    hooked: trigger({
      display: { label: 'Hooked', description: 'Registers its URL at the vendor on deploy.' },
      inputs: {
        connection: connectionInput,
        vendorUrl: input({ label: 'Vendor URL', type: 'string', required: true }),
      },
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (_context, payload) => Promise.resolve({ payload }),
      onInstanceDeploy: async (context, params) => {
        const url = context.webhookUrls[context.flow.name];
        const made = await vendor(`${String(params.vendorUrl)}/hooks`, 'POST', tokenOf(params.connection), {
          url,
        });
        return { instanceState: { hookId: made.id } };
      },
      onInstanceDelete: async (context, params) => {
        await vendor(
          `${String(params.vendorUrl)}/hooks/${String(context.instanceState.hookId)}`,
          'DELETE',
          tokenOf(params.connection),
        );
        return {};
      },
    }),
    lifecycle: trigger({
      display: { label: 'Lifecycle', description: 'Registers its URL from webhookLifecycleHandlers.' },
      inputs: {
        connection: connectionInput,
        vendorUrl: input({ label: 'Vendor URL', type: 'string', required: true }),
      },
      synchronousResponseSupport: 'valid',
      scheduleSupport: 'invalid',
      perform: async (_context, payload) => Promise.resolve({ payload }),
      webhookLifecycleHandlers: {
        create: async (context, params) => {
          const url = context.webhookUrls[context.flow.name];
          const made = await vendor(`${String(params.vendorUrl)}/hooks`, 'POST', tokenOf(params.connection), {
            url,
          });
          // Flow-scoped state is not given to these handlers: what is put there is not kept.
          context.instanceState.lost = true;
          return { crossFlowState: { ...context.crossFlowState, [context.flow.stableId]: made.id } };
        },
        delete: async (context, params) => {
          const hookId = context.crossFlowState[context.flow.stableId];
          await vendor(
            `${String(params.vendorUrl)}/hooks/${String(hookId)}`,
            'DELETE',
            tokenOf(params.connection),
          );
          const { [context.flow.stableId]: _gone, ...rest } = context.crossFlowState;
          return { crossFlowState: rest };
        },
      },
    }),
    poll: pollingTrigger({
      display: { label: 'Poll', description: 'Counts polls in its polling state.' },
      inputs: {
        connection: connectionInput,
        vendorUrl: input({ label: 'Vendor URL', type: 'string', required: true }),
      },
      perform: async (context, payload, params) => {
        const state = context.polling.getState();
        const items = await vendor(
          `${params.vendorUrl}/items?since=${Number(state.seen ?? 0)}`,
          'GET',
          tokenOf(params.connection),
        );
        const list = items.items as number[];
        context.polling.setState({ seen: Number(state.seen ?? 0) + list.length });
        return { payload: { ...payload, body: { data: list } }, polledNoChanges: list.length === 0 };
      },
    }),
  },
});
