/** The store contract: encryption at rest, key rotation, migrations and the key ring. */
import { randomBytes } from 'node:crypto';
import { KeyRing, envelopeKeyId, migrateStore, openStore, rotateKeys } from '../../../src/store';
import type { Store } from '../../../src/store';
import { expectCode, keyA, keyB } from './context';
import type { ContractContext, ContractEnv } from './context';

/** Encryption at rest: nothing secret in the raw database, tampering refused. */
export function encryptionContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('encryption at rest', () => {
    it('keeps token and secret values out of the raw database', async () => {
      const { connection } = await fixture();
      const marks = {
        access: `AT-${randomBytes(12).toString('hex')}`,
        refresh: `RT-${randomBytes(12).toString('hex')}`,
        secret: `CS-${randomBytes(12).toString('hex')}`,
        verifier: `PV-${randomBytes(24).toString('hex')}`,
        device: `DC-${randomBytes(12).toString('hex')}`,
        context: `RI-${randomBytes(12).toString('hex')}`,
      };
      await store.updateConnection(connection.id, {
        tokenSet: { access_token: marks.access, refresh_token: marks.refresh },
        secretFields: { clientSecret: marks.secret },
        context: { realmId: marks.context },
      });
      await store.createAuthSession({
        state: randomBytes(16).toString('hex'),
        connectionId: connection.id,
        codeVerifier: marks.verifier,
        redirectUri: 'https://keyway.test/cb',
        expiresAt: 10,
      });
      await store.createDeviceSession({
        connectionId: connection.id,
        deviceCode: marks.device,
        userCode: 'WXYZ',
        verificationUri: 'https://idp.test/device',
        intervalMs: 5,
        expiresAt: 10,
      });
      // The values really are readable through the store...
      expect((await store.getConnection(connection.id))?.tokenSet?.['access_token']).toBe(marks.access);
      // ...and nowhere in what an attacker holding the database would see.
      const dump = await env.rawDump();
      expect(dump).toContain(connection.id);
      for (const value of Object.values(marks)) expect(dump).not.toContain(value);
    });

    it('keeps the callback context across token writes, replaces it when given and clears it with null', async () => {
      const { connection } = await fixture();
      expect(connection.context).toEqual({});
      await store.updateConnection(connection.id, {
        tokenSet: { access_token: 'first' },
        context: { realmId: '9130', shop: ['a', 'b'] },
      });
      const before = await store.getConnection(connection.id);
      const cas = await store.compareAndSetConnectionTokens(connection.id, before?.version ?? 0, {
        tokenSet: { access_token: 'refreshed' },
      });
      expect(cas.ok && cas.connection.context).toEqual({ realmId: '9130', shop: ['a', 'b'] });
      await store.updateConnection(connection.id, { context: { realmId: '4620' } });
      expect((await store.getConnection(connection.id))?.context).toEqual({ realmId: '4620' });
      await store.updateConnection(connection.id, { context: null });
      expect((await store.getConnection(connection.id))?.context).toEqual({});
    });

    it('refuses a ciphertext copied into another row instead of revealing it', async () => {
      const victim = (await fixture()).connection;
      const attacker = (await fixture()).connection;
      await store.updateConnection(victim.id, { tokenSet: { access_token: 'victim-token' } });
      await store.updateConnection(attacker.id, { tokenSet: { access_token: 'attacker-token' } });
      const [row] = await env.rawQuery('select token_set from connections where id = ?', [victim.id]);
      await env.rawQuery('update connections set token_set = ? where id = ?', [
        row?.['token_set'],
        attacker.id,
      ]);
      await expectCode(store.getConnection(attacker.id), 'KW_CRYPTO_DECRYPT_FAILED');
      expect((await store.getConnection(victim.id))?.tokenSet).toEqual({ access_token: 'victim-token' });
    });

    it('refuses a tampered ciphertext with a typed error', async () => {
      const { connection } = await fixture();
      await store.updateConnection(connection.id, { tokenSet: { access_token: 'x' } });
      const [row] = await env.rawQuery('select token_set from connections where id = ?', [connection.id]);
      const envelope = String(row?.['token_set']);
      const parts = envelope.split('.');
      const body = Buffer.from(parts[4] ?? '', 'base64url');
      body[0] = (body[0] ?? 0) ^ 1;
      parts[4] = body.toString('base64url');
      await env.rawQuery('update connections set token_set = ? where id = ?', [
        parts.join('.'),
        connection.id,
      ]);
      const err = await expectCode(store.getConnection(connection.id), 'KW_CRYPTO_DECRYPT_FAILED');
      expect((err as Error).message).not.toContain(envelope);
    });

    it('fails at start with KW_CRYPTO_KEY_INVALID when given the wrong key under a known id', async () => {
      await expectCode(
        openStore({ ...env.config, keys: `ka:${Buffer.alloc(32, 9).toString('base64')}` }),
        'KW_CRYPTO_KEY_INVALID',
      );
    });

    it('fails at start when no configured key belongs to the database', async () => {
      await expectCode(
        openStore({ ...env.config, keys: `kz:${Buffer.alloc(32, 9).toString('base64')}` }),
        'KW_CRYPTO_KEY_INVALID',
      );
    });

    it('rejects a key that is not 32 bytes without echoing it', async () => {
      const err = await expectCode(
        openStore({ ...env.config, keys: 'ka:c2hvcnQ=' }),
        'KW_CRYPTO_KEY_INVALID',
      );
      expect((err as Error).message).not.toContain('c2hvcnQ=');
    });
  });
}

/** Key rotation, migrations and the key ring helpers. */
export function reencryptContract(ctx: ContractContext): void {
  let store: Store;
  let env: ContractEnv;
  const { fixture, open } = ctx;
  beforeAll(() => {
    store = ctx.store;
    env = ctx.env;
  });

  describe('key rotation', () => {
    it('re-encrypts every row under the new key so the old key can be removed', async () => {
      const { connection } = await fixture();
      await store.updateConnection(connection.id, { tokenSet: { access_token: 'rotate-me' } });
      const state = randomBytes(16).toString('hex');
      await store.createAuthSession({
        state,
        connectionId: connection.id,
        codeVerifier: 'verifier-under-a',
        redirectUri: 'https://keyway.test/cb',
        expiresAt: 10,
      });

      const broken = (await fixture()).connection;
      await store.updateConnection(broken.id, { tokenSet: { access_token: 'will be tampered' } });
      const [brokenRow] = await env.rawQuery('select token_set from connections where id = ?', [broken.id]);
      const tampered = String(brokenRow?.['token_set']).replace(
        /\.([A-Za-z0-9_-])([A-Za-z0-9_-]*)$/,
        (_m, c: string, rest: string) => `.${c === 'A' ? 'B' : 'A'}${rest}`,
      );
      await env.rawQuery('update connections set token_set = ? where id = ?', [tampered, broken.id]);

      // Key B added (newest encrypts): rows written under A still read.
      const both = await open({ keys: `${keyA},${keyB}` });
      expect((await both.getConnection(connection.id))?.tokenSet).toEqual({ access_token: 'rotate-me' });

      const progress: number[] = [];
      const report = await rotateKeys(both, { batchSize: 3, onProgress: (p) => progress.push(p.done) });
      expect(report.primaryKeyId).toBe('kb');
      expect(report.rewritten).toBeGreaterThan(0);
      expect(progress.length).toBeGreaterThan(1);

      expect(report.failures).toContainEqual({
        column: 'connections.token_set',
        id: broken.id,
        code: 'KW_CRYPTO_DECRYPT_FAILED',
      });
      // Cells tampered with or moved (here and in earlier tests) are reported with a typed code and left alone.
      for (const failure of report.failures) expect(failure.code).toBe('KW_CRYPTO_DECRYPT_FAILED');
      const skipped = new Set(report.failures.map((f) => `${f.column}:${f.id}`));
      const rows = await env.rawQuery('select id, token_set, secret_fields from connections', []);
      for (const r of rows as { id: string; token_set: string | null; secret_fields: string }[]) {
        expect(envelopeKeyId(r.secret_fields)).toBe('kb');
        if (r.token_set !== null && !skipped.has(`connections.token_set:${r.id}`)) {
          expect(envelopeKeyId(r.token_set)).toBe('kb');
        }
      }

      // Resumable: a second run finds nothing left to do.
      const again = await rotateKeys(both);
      expect(again.rewritten).toBe(0);
      expect(again.failures).toHaveLength(report.failures.length);

      // A removed: B alone reads everything.
      const onlyB = await open({ keys: keyB });
      expect((await onlyB.getConnection(connection.id))?.tokenSet).toEqual({ access_token: 'rotate-me' });
      expect((await onlyB.getAuthSession(state))?.codeVerifier).toBe('verifier-under-a');
      expect((await onlyB.listConnections({ instanceId: connection.instanceId }))[0]?.secretFields).toEqual({
        clientSecret: 'secret-value',
      });

      // The original store (A only) meets a B ciphertext: a typed error, not garbage.
      await expectCode(store.getConnection(connection.id), 'KW_CRYPTO_KEY_UNKNOWN');
    });
  });

  describe('migrations', () => {
    it('applies nothing when the schema is already current', async () => {
      expect((await migrateStore(env.config)).applied).toEqual([]);
    });
  });

  describe('ring helpers', () => {
    it('parses the key ring format with the last key as primary', () => {
      const ring = KeyRing.parse(`${keyA}, ${keyB}`);
      expect(ring.primaryId).toBe('kb');
      expect(KeyRing.parse(`${keyA},${keyB}`, 'ka').primaryId).toBe('ka');
      expect(JSON.stringify(ring)).not.toContain(Buffer.alloc(32, 1).toString('base64'));
    });
  });
}
