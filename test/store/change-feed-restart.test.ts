/**
 * The PostgreSQL change feed (`LISTEN keyway_changes`, which tells a replica that another one changed an instance)
 * across a database restart, on a throw-away cluster: when the connection drops the feed says it is not live and
 * reports "everything may have changed" (so no cached snapshot is trusted meanwhile); once the database is back
 * it listens again by itself and hears other replicas' changes, without a restart of the process. The same when
 * the database hangs (its processes frozen) rather than stops: the feed's periodic check notices.
 */
import pg from 'pg';
import type { ChangeSubscription } from '../../src/store/engine';
import { ALL_INSTANCES } from '../../src/store/engine';
import { CHANGE_CHANNEL } from '../../src/store/migrations';
import { openPostgresEngine } from '../../src/store/postgres';
import {
  startThrowawayPostgres,
  throwawayPostgresAvailable,
  type ThrowawayPostgres,
} from '../support/throwaway-postgres';
import { until } from '../support/until';

/** NOTIFY as another replica's commit does, from a connection of its own. */
async function notify(url: string, instanceId: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_notify($1, $2)', [CHANGE_CHANNEL, instanceId]);
  } finally {
    await client.end();
  }
}

(throwawayPostgresAvailable ? describe : describe.skip)('the change feed across a database restart', () => {
  let cluster: ThrowawayPostgres;

  beforeAll(async () => {
    cluster = await startThrowawayPostgres();
  }, 60_000);

  afterAll(() => cluster?.destroy());

  it('goes not live, reports that anything may have changed, and listens again once the database is back', async () => {
    const engine = openPostgresEngine({ databaseUrl: cluster.url });
    const heard: string[] = [];
    let subscription: ChangeSubscription | undefined;
    try {
      if (engine.changes.kind !== 'feed') throw new Error('PostgreSQL has a change feed');
      subscription = engine.changes.subscribe((id) => heard.push(id));
      const feed = subscription;
      await until('the feed to listen', () => feed.live, 10_000);
      await notify(cluster.url, 'instance-before');
      await until('a change before the restart', () => heard.includes('instance-before'), 10_000);

      heard.length = 0;
      cluster.stop();
      await until('the feed to notice the drop', () => !feed.live, 10_000);
      expect(heard).toContain(ALL_INSTANCES);

      cluster.start();
      // Reconnects with backoff (at most 5 s between attempts).
      await until('the feed to listen again', () => feed.live, 20_000);
      await notify(cluster.url, 'instance-after');
      await until('a change after the restart', () => heard.includes('instance-after'), 10_000);
    } finally {
      await subscription?.close();
      await engine.close();
    }
    // Its own waits allow 60 s (10 + 10 + 10 + 20 + 10), besides a stop and a start of the cluster: a limit of
    // 60 s would cut a slow run short with jest's timeout instead of the wait that names what did not happen.
  }, 180_000);

  it('notices a database that hangs under a listening feed and listens again once it answers', async () => {
    // The LISTEN connection only waits: without its own check a frozen server would leave it "live" for good.
    const engine = openPostgresEngine({
      databaseUrl: cluster.url,
      statementTimeoutMs: 1_000,
      feedCheckIntervalMs: 500,
    });
    const heard: string[] = [];
    let subscription: ChangeSubscription | undefined;
    try {
      if (engine.changes.kind !== 'feed') throw new Error('PostgreSQL has a change feed');
      subscription = engine.changes.subscribe((id) => heard.push(id));
      const feed = subscription;
      await until('the feed to listen', () => feed.live, 10_000);

      heard.length = 0;
      cluster.freeze();
      try {
        // One check interval plus the deadline; the bound is loose for a loaded host.
        await until('the feed to notice the hang', () => !feed.live, 10_000);
        expect(heard).toContain(ALL_INSTANCES);
      } finally {
        cluster.thaw();
      }
      // Reconnects with backoff (at most 5 s between attempts, each given up after the 5 s connect timeout).
      await until('the feed to listen again', () => feed.live, 30_000);
      await notify(cluster.url, 'instance-after-hang');
      await until('a change after the hang', () => heard.includes('instance-after-hang'), 10_000);
    } finally {
      await subscription?.close();
      await engine.close();
    }
    // Its own waits allow 60 s (10 + 10 + 30 + 10): the limit is above their sum, as for the test above.
  }, 180_000);
});
