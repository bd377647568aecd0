/**
 * Polling triggers on SQLite and PostgreSQL: runs on the subscription's schedule with `context.polling` state
 * kept per subscription, one replica per run (lease claims across two stores on one database), nothing written
 * by a run whose lease was taken over, backoff on failure, and a pause while the connection needs
 * reauthorization that ends when it is connected again.
 */
import triggerComponent from '../support/components/triggers';
import { Triggers, WebhookDirectory, createInstance, startPoller } from '../../src/runtime';
import type { Store } from '../../src/store';
import { storeEngines } from '../support/runtime-stores';
import { startVendor } from '../support/trigger-vendor';
import { startHarness } from './harness';
import type { Harness } from './harness';

describe.each(storeEngines)('polling triggers on %s', (engine, openStore) => {
  let h: Harness;
  let instanceId: string;
  const vendor = startVendor();
  let vendorUrl: string;
  let replica: Store;

  beforeAll(async () => {
    h = await startHarness({ openStore });
    h.components.registerExports({ default: triggerComponent }, 'trigger-test-bundle');
    vendorUrl = await vendor.start();
    replica = await h.openReplica();
    const customer = await h.store.createCustomer({ name: 'Polling customer' });
    const { clientId, clientSecret } = h.sandbox.clients.service;
    const created = await createInstance(
      { store: h.store, components: h.components },
      {
        customerId: customer.id,
        name: 'Polling',
        components: ['triggerTest'],
        connections: [
          {
            name: 'svc',
            componentKey: 'triggerTest',
            definitionKey: 'cc',
            fields: { issuer: h.sandbox.url, clientId, clientSecret: clientSecret ?? '' },
          },
        ],
      },
    );
    instanceId = created.instance.id;
  });
  afterAll(async () => {
    await replica.close();
    await vendor.close();
    await h.close();
  });

  function poller(store: Store, triggers: Triggers, owner: string) {
    return startPoller({ store, triggers, owner, now: () => h.now(), intervalMs: 3_600_000 });
  }

  async function enablePoll(name: string) {
    return h.triggers.enable({
      instanceId,
      componentKey: 'triggerTest',
      triggerKey: 'poll',
      name,
      inputs: { vendorUrl },
      schedule: { everySeconds: 60 },
    });
  }

  /** `store` with the lease end of each `triggers.renewPollLease` call that renewed recorded in `renewals`. */
  function recordingRenewals(store: Store, renewals: number[]): Store {
    const bind = <T extends object>(target: T, wrap: (key: string | symbol, value: unknown) => unknown): T =>
      new Proxy(target, {
        get: (t, key) => {
          const value: unknown = Reflect.get(t, key, t);
          return wrap(
            key,
            typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value,
          );
        },
      });
    const triggers = bind(store.triggers, (key, value) =>
      key === 'renewPollLease'
        ? async (...args: Parameters<Store['triggers']['renewPollLease']>) => {
            const renewed = await store.triggers.renewPollLease(...args);
            if (renewed) renewals.push(args[2]);
            return renewed;
          }
        : value,
    );
    return bind(store, (key, value) => (key === 'triggers' ? triggers : value));
  }

  async function eventually(timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  async function pollingState(subscriptionId: string) {
    const state = await h.store.getState({ instanceId, scope: 'instance', key: subscriptionId });
    return (state?.__prismaticInternal as { polling?: unknown } | undefined)?.polling;
  }

  it('polls on its schedule with its state, and delivers what it found as an event', async () => {
    vendor.state.items = [10, 11];
    const sub = await enablePoll('Items');
    expect(sub).toMatchObject({ kind: 'polling', status: 'enabled', webhookToken: null });
    const worker = poller(h.store, h.triggers, 'replica-a');
    try {
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await pollingState(sub.id)).toEqual({ seen: 2 });
      expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
      h.advance(61_000);
      vendor.state.items = [10, 11, 12];
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await pollingState(sub.id)).toEqual({ seen: 3 });
      h.advance(61_000);
      // Nothing new: the state stays, and no event is delivered.
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      const page = await h.store.triggers.eventsPage({ instanceId, type: 'trigger.fired' }, { limit: 50 });
      const mine = page.items.filter((e) => (e.payload.subscription as { id: string }).id === sub.id);
      expect(mine.map((e) => (e.payload.payload as { body: { data: unknown } }).body.data)).toEqual([
        [10, 11],
        [12],
      ]);
      const after = await h.store.triggers.getSubscription(sub.id);
      expect(after?.nextRunAt).toBe((after?.lastRunAt ?? 0) + 60_000);
    } finally {
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('runs each due poll on one replica only', async () => {
    const sub = await enablePoll('Once');
    const otherTriggers = new Triggers({
      store: replica,
      components: h.components,
      credentials: h.credentials,
      webhooks: new WebhookDirectory({ store: replica, publicBaseUrl: h.baseUrl }),
      now: () => h.now(),
    });
    const a = poller(h.store, h.triggers, 'replica-a');
    const b = poller(replica, otherTriggers, 'replica-b');
    try {
      // PostgreSQL: at once. SQLite has one writer at a time, and better-sqlite3 waits for a lock synchronously,
      // so two stores in one process take turns (replicas of SQLite are separate processes or none).
      const [passA, passB] =
        engine === 'PostgreSQL'
          ? await Promise.all([a.runOnce(), b.runOnce()])
          : [await a.runOnce(), await b.runOnce()];
      expect(passA.claimed + passB.claimed).toBe(1);
      const executions = await h.store.listExecutions({ instanceId });
      expect(executions.filter((e) => e.actionKey === 'trigger:poll').length).toBeGreaterThan(0);
    } finally {
      await a.stop();
      await b.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('writes nothing when its lease was taken over before it could commit', async () => {
    vendor.state.items = [1, 2, 3];
    const sub = await enablePoll('Lease');
    const [claimed] = await h.store.triggers.claimDuePolls({
      now: h.now(),
      limit: 10,
      leaseMs: 1_000,
      owner: 'a',
    });
    expect(claimed?.id).toBe(sub.id);
    // Replica a stalls past its lease; replica b claims the subscription.
    const [taken] = await replica.triggers.claimDuePolls({
      now: h.now() + 2_000,
      limit: 10,
      leaseMs: 60_000,
      owner: 'b',
    });
    expect(taken?.id).toBe(sub.id);
    const late = await h.triggers.poll(claimed ?? sub, 'a');
    expect(late.committed).toBe(false);
    expect(await pollingState(sub.id)).toBeUndefined();
    expect(await h.store.getExecution(late.executionId)).toBeUndefined();
    const onTime = await h.triggers.poll(taken ?? sub, 'b');
    expect(onTime.committed).toBe(true);
    expect(await pollingState(sub.id)).toEqual({ seen: 3 });
    await h.triggers.disable(sub.id);
  });

  it('keeps its lease while a slow poll runs, so no other replica runs it too', async () => {
    vendor.state.items = [1, 2];
    vendor.itemRequests.splice(0);
    const sub = await enablePoll('Slow');
    const renewals: number[] = [];
    const worker = startPoller({
      store: recordingRenewals(h.store, renewals),
      triggers: h.triggers,
      owner: 'a',
      now: () => h.now(),
      leaseMs: 3_000,
      intervalMs: 3_600_000,
    });
    try {
      vendor.state.holdItems = true;
      const pass = worker.runOnce();
      await vendor.waitForHeld(10_000);
      // The poll is still blocked at the vendor long after its first lease would have lapsed.
      h.advance(60_000);
      // A renewal that read the clock before it moved may complete only now (a slow store on a busy host), with a
      // lease that ended long ago: wait for one whose lease runs past the new time.
      await eventually(10_000, () => Promise.resolve(renewals.some((until) => until > h.now())));
      const taken = await replica.triggers.claimDuePolls({
        now: h.now(),
        limit: 10,
        leaseMs: 60_000,
        owner: 'b',
      });
      expect(taken).toEqual([]);
      vendor.release();
      expect(await pass).toMatchObject({ claimed: 1, succeeded: 1, lost: 0 });
      expect(vendor.itemRequests).toEqual([0]);
      expect(await pollingState(sub.id)).toEqual({ seen: 2 });
    } finally {
      vendor.release();
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('backs off after a failed poll and shows it in the status', async () => {
    const sub = await enablePoll('Flaky');
    vendor.state.failItems = true;
    const worker = poller(h.store, h.triggers, 'replica-a');
    try {
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const failed = await h.store.triggers.getSubscription(sub.id);
      expect(failed).toMatchObject({
        status: 'backing_off',
        failures: 1,
        lastError: { code: 'KW_ACTION_FAILED' },
      });
      expect(failed?.nextRunAt).toBeGreaterThanOrEqual((failed?.lastRunAt ?? 0) + 30_000);
      h.advance(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const twice = await h.store.triggers.getSubscription(sub.id);
      expect(twice?.failures).toBe(2);
      expect(twice?.nextRunAt).toBeGreaterThanOrEqual((twice?.lastRunAt ?? 0) + 60_000);
      h.advance(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      // The third failure waits 2 minutes, longer than the schedule's minute.
      const thrice = await h.store.triggers.getSubscription(sub.id);
      expect(thrice?.nextRunAt).toBe((thrice?.lastRunAt ?? 0) + 120_000);
      h.advance(61_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
      vendor.state.failItems = false;
      h.advance(60_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, succeeded: 1 });
      expect(await h.store.triggers.getSubscription(sub.id)).toMatchObject({
        status: 'enabled',
        failures: 0,
        lastError: null,
      });
    } finally {
      vendor.state.failItems = false;
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('pauses while its connection needs reauthorization and resumes once it is connected', async () => {
    const sub = await enablePoll('Paused');
    const svc = await h.connection(instanceId, 'svc');
    const worker = poller(h.store, h.triggers, 'replica-a');
    try {
      await h.store.updateConnection(svc.id, { status: 'needs_reauthorization' });
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      expect(await h.store.triggers.getSubscription(sub.id)).toMatchObject({
        status: 'paused',
        nextRunAt: null,
        lastError: { code: 'KW_CONNECTION_NOT_CONNECTED' },
      });
      h.advance(3_600_000);
      expect(await worker.runOnce()).toMatchObject({ claimed: 0, resumed: 0 });
      await h.store.updateConnection(svc.id, { status: 'connected' });
      expect(await worker.runOnce()).toMatchObject({ resumed: 1, claimed: 1, succeeded: 1 });
      expect(await h.store.triggers.getSubscription(sub.id)).toMatchObject({ status: 'enabled' });
    } finally {
      await h.store.updateConnection(svc.id, { status: 'connected' });
      await worker.stop();
      await h.triggers.disable(sub.id);
    }
  });

  it('takes a cron schedule and refuses a malformed one', async () => {
    const sub = await h.triggers.enable({
      instanceId,
      componentKey: 'triggerTest',
      triggerKey: 'poll',
      name: 'Cron',
      inputs: { vendorUrl },
      schedule: { cron: '*/15 * * * *' },
    });
    expect(sub.schedule).toEqual({ kind: 'cron', expression: '*/15 * * * *' });
    await expect(
      h.triggers.enable({
        instanceId,
        componentKey: 'triggerTest',
        triggerKey: 'poll',
        name: 'Bad cron',
        inputs: { vendorUrl },
        schedule: { cron: '61 * * * *' },
      }),
    ).rejects.toMatchObject({ code: 'KW_TRIGGER_INVALID' });
    await h.triggers.disable(sub.id);
  });
});
