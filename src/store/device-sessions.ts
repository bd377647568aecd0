/** Device sessions: one device-authorization flow (RFC 8628) being polled until approved, denied or expired. */
import { randomUUID } from 'node:crypto';
import type { Kysely, Migration, Selectable } from 'kysely';
import { z } from 'zod';
import { KeywayError } from '../errors';
import type { Connections } from './connections';
import type { StoreContext } from './context';
import {
  epoch,
  intColumn,
  intOrNullColumn,
  json,
  jsonColumn,
  nonEmpty,
  notFound,
  parseInput,
  parseRow,
  translateWriteError,
} from './rows';
import type { DeviceSessionsTable } from './schema';
import type {
  ApprovedDeviceSession,
  DeviceApproval,
  DeviceSession,
  DeviceSessionPatch,
  DeviceSessionStatus,
  EpochMs,
  NewDeviceSession,
} from './types';

const newDeviceSessionSchema = z.object({
  id: nonEmpty.optional(),
  connectionId: nonEmpty,
  deviceCode: nonEmpty,
  userCode: nonEmpty,
  verificationUri: nonEmpty,
  verificationUriComplete: nonEmpty.nullable().optional(),
  intervalMs: z.number().int().nonnegative(),
  nextPollAt: epoch.optional(),
  expiresAt: epoch,
  choices: z.record(z.string(), z.string()).optional(),
});
const deviceSessionPatchSchema = z.object({ intervalMs: epoch.optional(), nextPollAt: epoch.optional() });
const deviceOutcomeSchema = z.object({ status: z.enum(['denied', 'expired', 'failed']), now: epoch });
const deviceApprovalSchema = z.object({ now: epoch });
/** A device_sessions row; the device code stays ciphertext here. */
const deviceSessionRow = z.object({
  id: z.string(),
  connection_id: z.string(),
  device_code: z.string(),
  user_code: z.string(),
  verification_uri: z.string(),
  verification_uri_complete: z.string().nullable(),
  interval_ms: intColumn,
  next_poll_at: intColumn,
  expires_at: intColumn,
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'failed']),
  created_at: intColumn,
  completed_at: intOrNullColumn,
  // NULL when the customer chose nothing (and on rows written before migration 0028).
  choices: jsonColumn(z.record(z.string(), z.string())).nullable(),
});

/**
 * Migration `0028_device_session_choices`: what the customer chose on the connect page for a device flow (an
 * environment, a subdomain), kept with the session so every poll goes to the chosen endpoints and the poll that
 * connects saves them. Not secret: the same values are plain fields of the connection once it connects.
 */
export function deviceSessionChoicesMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('device_sessions').addColumn('choices', 'text').execute();
    },
  };
}

/** Thrown inside an approval's transaction to roll it back when the connection changed meanwhile. */
class ConnectionChanged extends Error {}

/** The device_sessions table. */
export class DeviceSessions {
  readonly #ctx: StoreContext;
  readonly #connections: Connections;

  constructor(ctx: StoreContext, connections: Connections) {
    this.#ctx = ctx;
    this.#connections = connections;
  }

  async create(input: NewDeviceSession): Promise<DeviceSession> {
    const data = parseInput(newDeviceSessionSchema, input, 'device session');
    const now = this.#ctx.now();
    const id = data.id ?? randomUUID();
    const row = await this.#ctx.db
      .insertInto('device_sessions')
      .values({
        id,
        connection_id: data.connectionId,
        device_code: this.#ctx.cells.encrypt('device_sessions', id, 'device_code', data.deviceCode),
        user_code: data.userCode,
        verification_uri: data.verificationUri,
        verification_uri_complete: data.verificationUriComplete ?? null,
        interval_ms: data.intervalMs,
        next_poll_at: data.nextPollAt ?? now + data.intervalMs,
        expires_at: data.expiresAt,
        status: 'pending',
        created_at: now,
        completed_at: null,
        choices: data.choices && Object.keys(data.choices).length > 0 ? json(data.choices) : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((err: unknown) => translateWriteError(err, 'A device session with this id'));
    return this.#toDeviceSession(row);
  }

  async get(id: string): Promise<DeviceSession | undefined> {
    const row = await this.#ctx.db
      .selectFrom('device_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.#toDeviceSession(row);
  }

  async listPending(filter: { readonly connectionId?: string } = {}): Promise<DeviceSession[]> {
    const rows = await this.#ctx.db
      .selectFrom('device_sessions')
      .selectAll()
      .where('status', '=', 'pending')
      .$if(filter.connectionId !== undefined, (q) => q.where('connection_id', '=', filter.connectionId ?? ''))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((row) => this.#toDeviceSession(row));
  }

  async update(id: string, patch: DeviceSessionPatch): Promise<DeviceSession> {
    const data = parseInput(deviceSessionPatchSchema, patch, 'device session update');
    const row = await this.#ctx.db
      .updateTable('device_sessions')
      .set({
        ...(data.intervalMs !== undefined ? { interval_ms: data.intervalMs } : {}),
        ...(data.nextPollAt !== undefined ? { next_poll_at: data.nextPollAt } : {}),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return this.#toDeviceSession(row);
    throw await this.#notPending(id);
  }

  async complete(
    id: string,
    outcome: { readonly status: Exclude<DeviceSessionStatus, 'pending' | 'approved'>; readonly now: EpochMs },
  ): Promise<DeviceSession> {
    const data = parseInput(deviceOutcomeSchema, outcome, 'device session outcome');
    const row = await this.#ctx.db
      .updateTable('device_sessions')
      .set({ status: data.status, completed_at: data.now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (row) return this.#toDeviceSession(row);
    throw await this.#notPending(id);
  }

  /**
   * Approves a pending session and saves the approval's patch on its connection in one transaction, by
   * compare-and-set on the connection's version. The session's row is written first: a concurrent approver
   * waits on it (PostgreSQL's row lock, SQLite's write lock), then finds it no longer pending and writes nothing.
   * A connection changed meanwhile rolls the approval back: the session stays pending.
   */
  async approve(id: string, approval: DeviceApproval): Promise<ApprovedDeviceSession> {
    const { now } = parseInput(deviceApprovalSchema, { now: approval.now }, 'device session approval');
    const session = await this.get(id);
    if (!session) throw new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { details: { id } });
    const save = this.#connections.prepareCompareAndSet(
      session.connectionId,
      approval.expectedVersion,
      approval.patch,
      approval.events ? { events: approval.events } : {},
    );
    const approved = await this.#ctx.db
      .transaction()
      .execute(async (trx) => {
        const row = await trx
          .updateTable('device_sessions')
          .set({ status: 'approved', completed_at: now })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        const connection = await save(trx);
        if (connection === undefined) throw new ConnectionChanged();
        return { ok: true as const, session: this.#toDeviceSession(row), connection };
      })
      .catch((err: unknown) => {
        if (err instanceof ConnectionChanged) return 'changed' as const;
        // Rolled back: nothing of the approval was written. The driver's message may quote values; keep it as
        // the (non-enumerable) cause only.
        if (err instanceof KeywayError) throw err;
        throw new KeywayError('KW_STORE_WRITE_FAILED', {
          message: `The approval of device session "${id}" could not be written; nothing was saved.`,
          cause: err,
          details: { id },
        });
      });
    if (approved === 'changed') {
      const current = await this.#connections.get(session.connectionId);
      if (!current) throw notFound('connection', session.connectionId);
      return { ok: false, current };
    }
    if (approved) return approved;
    throw await this.#notPending(id);
  }

  async #notPending(id: string): Promise<KeywayError> {
    return (await this.get(id))
      ? new KeywayError('KW_DEVICE_SESSION_COMPLETED', { details: { id } })
      : new KeywayError('KW_DEVICE_SESSION_NOT_FOUND', { details: { id } });
  }

  #toDeviceSession(row: Selectable<DeviceSessionsTable>): DeviceSession {
    const r = parseRow(deviceSessionRow, row, `device session ${row.id}`);
    return {
      id: r.id,
      connectionId: r.connection_id,
      deviceCode: this.#ctx.cells.decrypt('device_sessions', r.id, 'device_code', r.device_code),
      userCode: r.user_code,
      verificationUri: r.verification_uri,
      verificationUriComplete: r.verification_uri_complete,
      intervalMs: r.interval_ms,
      nextPollAt: r.next_poll_at,
      expiresAt: r.expires_at,
      status: r.status,
      createdAt: r.created_at,
      completedAt: r.completed_at,
      choices: r.choices ?? {},
    };
  }
}
