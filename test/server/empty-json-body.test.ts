/**
 * A POST that says `content-type: application/json` and sends nothing (curl with the header set for every call,
 * generated clients): a route whose body is optional takes it as no body; a route that needs one answers
 * Keyway's own `KW_REQUEST_INVALID` naming the missing fields, never fastify's "Body cannot be empty".
 */
import { adminHarness } from './harness';

const ctx = adminHarness();

/** POSTs `payload` as it is, with the JSON content type. */
function postJson(url: string, payload: string) {
  return ctx.h.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${ctx.admin}`, 'content-type': 'application/json' },
    payload,
  });
}

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

describe('an empty body sent as application/json', () => {
  it('is no body on a route whose body is optional (activate, connect-links)', async () => {
    const customerId = (await ctx.h.store.createCustomer({ name: 'Empty body' })).id;
    const service = ctx.h.sandbox.clients.service;
    const created = await postJson(
      '/api/instances',
      JSON.stringify({
        customerId,
        name: 'Empty body nightly',
        components: ['serverTest'],
        connections: [
          {
            name: 'service',
            componentKey: 'serverTest',
            definitionKey: 'sandboxCc',
            fields: {
              issuer: ctx.h.sandbox.url,
              clientId: service.clientId,
              clientSecret: service.clientSecret,
            },
          },
        ],
      }),
    );
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { instance: { id: string } }).instance.id;

    const activated = await postJson(`/api/instances/${id}/connections/service/activate`, '');
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toMatchObject({ connection: { status: 'connected' } });

    const link = await postJson(`/api/instances/${id}/connect-links`, '');
    expect(link.statusCode).toBe(201);
    expect((link.json() as { link: { url: string } }).link.url).toMatch(/^http/);

    // Only white space is no body either.
    const spaced = await postJson(`/api/instances/${id}/connect-links`, ' \n');
    expect(spaced.statusCode).toBe(201);
  });

  it('is a typed KW_REQUEST_INVALID naming the missing fields on a route that needs a body', async () => {
    const res = await postJson('/api/customers', '');
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as ErrorBody;
    expect(error.code).toBe('KW_REQUEST_INVALID');
    expect(error.message).not.toMatch(/Body cannot be empty/i);
    expect(error.message).toContain('body.name');
    // In words: the route needs a JSON body and none came.
    expect(error.message).toMatch(/POST \/api\/customers needs a JSON body/);
    expect(error.details).toEqual({ issues: [expect.objectContaining({ path: 'body.name' })] });
  });

  it('says a JSON body is required when no body and no content type is sent at all', async () => {
    const res = await ctx.h.inject({
      method: 'POST',
      url: '/api/customers',
      headers: { authorization: `Bearer ${ctx.admin}` },
    });
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as ErrorBody;
    expect(error.code).toBe('KW_REQUEST_INVALID');
    expect(error.message).toMatch(/needs a JSON body/);
  });

  it('keeps the ordinary message for a body that is sent but wrong', async () => {
    const res = await postJson('/api/customers', '{}');
    expect(res.statusCode).toBe(400);
    const { error } = res.json() as ErrorBody;
    expect(error.message).not.toMatch(/needs a JSON body/);
    expect(error.message).toContain('body.name');
  });

  it('still refuses malformed JSON with KW_REQUEST_INVALID', async () => {
    const res = await postJson('/api/customers', '{"name":');
    expect(res.statusCode).toBe(400);
    expect((res.json() as ErrorBody).error.code).toBe('KW_REQUEST_INVALID');
  });
});
