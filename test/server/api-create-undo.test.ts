/**
 * `POST /api/instances` is all or nothing: when the instance is made but its answer cannot be built (the store
 * fails reading it back), the instance goes again, so the client's 500 means nothing was made, a retry makes one
 * instance, and the audit log, which records a route only once it has answered, misses nothing.
 */
import { platformApi } from '../support/platform-api';
import type { ApiCall } from '../support/platform-api';
import { startHarness } from './harness';
import type { Harness, TestResponse } from './harness';

let h: Harness;
let api: ApiCall<TestResponse>;

beforeAll(async () => {
  h = await startHarness();
  api = await platformApi(h, 'admin');
});

afterAll(async () => {
  await h.close();
});

it('removes an instance whose answer cannot be built, leaving nothing unrecorded', async () => {
  const customer = await h.store.createCustomer({ name: 'Undone customer' });
  const audit = async () => (await h.store.admin.auditPage({ limit: 1000 })).items;
  const before = await audit();
  const read = h.store.listConnections.bind(h.store);
  // The store fails while the route reads back what it created, as a database that goes away would.
  const failing = jest.spyOn(h.store, 'listConnections').mockImplementation((filter) => {
    if (filter?.instanceId === 'undone-api') {
      return Promise.reject(new Error('connection to the database lost'));
    }
    return read(filter);
  });
  const body = { id: 'undone-api', customerId: customer.id, name: 'Undone', components: ['serverTest'] };
  try {
    const res = await api('POST', '/api/instances', body);
    expect(res.statusCode).toBe(500);
    expect(failing).toHaveBeenCalledWith({ instanceId: 'undone-api' });
  } finally {
    failing.mockRestore();
  }
  expect(await h.store.getInstance('undone-api')).toBeUndefined();
  expect(await audit()).toEqual(before);

  // Nothing is left in the way: the same request, retried, makes the instance and records it.
  expect((await api('POST', '/api/instances', body)).statusCode).toBe(201);
  expect((await audit())[0]).toMatchObject({
    action: 'POST /api/instances',
    target: 'undone-api',
    status: 201,
  });
});
