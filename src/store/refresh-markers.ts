/**
 * Refresh requests in flight. The credential manager records one just before it sends a refresh token and
 * removes it once the answer is saved; a marker still there for the same grant when the next refresher takes
 * the lock means the earlier refresh was interrupted (its process crashed or lost the database) and its
 * outcome is unknown: the provider may already have rotated the refresh token.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { RefreshMarker } from './types';

/** The `refresh_markers` table. */
export class RefreshMarkers {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Writes `marker` unless the connection has a marker for the same grant other than `replacing`: true when
   * written. A marker for another grant (left after a save whose removal failed) is replaced.
   */
  async put(marker: RefreshMarker, replacing?: RefreshMarker): Promise<boolean> {
    const row = {
      connection_id: marker.connectionId,
      grant_fingerprint: marker.grantFingerprint,
      owner: marker.owner,
      started_at: marker.startedAt,
    };
    const written = await this.#db
      .insertInto('refresh_markers')
      .values(row)
      .onConflict((oc) =>
        oc
          .column('connection_id')
          .doUpdateSet({
            grant_fingerprint: row.grant_fingerprint,
            owner: row.owner,
            started_at: row.started_at,
          })
          .where((eb) =>
            eb.or([
              eb('refresh_markers.grant_fingerprint', '<>', row.grant_fingerprint),
              ...(replacing === undefined
                ? []
                : [
                    eb.and([
                      eb('refresh_markers.owner', '=', replacing.owner),
                      eb('refresh_markers.started_at', '=', replacing.startedAt),
                    ]),
                  ]),
            ]),
          ),
      )
      .returning('connection_id')
      .executeTakeFirst();
    return written !== undefined;
  }

  async get(connectionId: string): Promise<RefreshMarker | undefined> {
    const row = await this.#db
      .selectFrom('refresh_markers')
      .selectAll()
      .where('connection_id', '=', connectionId)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      connectionId: row.connection_id,
      grantFingerprint: row.grant_fingerprint,
      owner: row.owner,
      startedAt: Number(row.started_at),
    };
  }

  /**
   * Removes `marker` if it is still the connection's marker: same grant, owner and start. A marker another
   * refresher wrote meanwhile (replacing ours) stays.
   */
  async delete(marker: RefreshMarker): Promise<void> {
    await this.#db
      .deleteFrom('refresh_markers')
      .where('connection_id', '=', marker.connectionId)
      .where('grant_fingerprint', '=', marker.grantFingerprint)
      .where('owner', '=', marker.owner)
      .where('started_at', '=', marker.startedAt)
      .execute();
  }
}
