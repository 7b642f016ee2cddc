import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { findDevice } from '../../src/identity/devices-store.js';
import { findOrganizationById } from '../../src/identity/organizations-store.js';
import { findPasskeyByCredentialId, insertPasskey } from '../../src/identity/passkeys-store.js';
import { findUserById, listUsers } from '../../src/identity/users-store.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import { addDevice, addOrganization, addUser, T0 } from './rows.js';

class DeliberateFailure extends Error {}

describeEachBackend('storage', (backend) => {
  const store = useMigratedStore(backend);

  describe('migrations', () => {
    it('applies every migration, in order, to an empty database', () => {
      expect(store.applied()).toEqual(Object.keys(MIGRATIONS));
    });

    it('applies nothing when the schema is already current', async () => {
      expect((await migrateToLatest(store().db)).applied).toEqual([]);
    });
  });

  describe('ping', () => {
    it('answers true on an open store', async () => {
      expect(await store().ping(5_000)).toBe(true);
    });
  });

  describe('transactions', () => {
    it('rolls back every insert when the callback throws', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const userId = randomUUID();
      const deviceId = randomUUID();
      const attempt = db.transaction().execute(async (tx) => {
        const user = await addUser(tx, organization.id, { id: userId });
        await addDevice(tx, user, { id: deviceId });
        expect(await findUserById(tx, organization.id, userId)).toBeDefined();
        throw new DeliberateFailure('after the inserts');
      });
      await expect(attempt).rejects.toBeInstanceOf(DeliberateFailure);
      expect(await findUserById(db, organization.id, userId)).toBeUndefined();
      expect(await findDevice(db, organization.id, deviceId)).toBeUndefined();
    });

    it('rolls back earlier inserts when a later statement violates a constraint', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const firstId = randomUUID();
      const attempt = db.transaction().execute(async (tx) => {
        await addUser(tx, organization.id, { id: firstId, username: 'first' });
        await addUser(tx, organization.id, { username: 'taken' });
        await addUser(tx, organization.id, { username: 'TAKEN' });
      });
      await expect(attempt).rejects.toThrow(/unique|duplicate/i);
      expect(await listUsers(db, organization.id, { limit: 10 })).toEqual([]);
      expect(await findUserById(db, organization.id, firstId)).toBeUndefined();
    });

    it('keeps a committed transaction apart from a concurrent one that rolls back', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const failingUserId = randomUUID();
      const committedUserId = randomUUID();
      const failing = db.transaction().execute(async (tx) => {
        await addUser(tx, organization.id, { id: failingUserId });
        await sleep(20);
        throw new DeliberateFailure('rolls back while the other transaction is open');
      });
      const committed = db.transaction().execute(async (tx) => {
        await addUser(tx, organization.id, { id: committedUserId });
        await sleep(20);
        return findUserById(tx, organization.id, committedUserId);
      });
      const [failed, succeeded] = await Promise.allSettled([failing, committed]);
      expect(failed.status).toBe('rejected');
      expect(succeeded).toMatchObject({ status: 'fulfilled', value: { id: committedUserId } });
      expect(await findUserById(db, organization.id, failingUserId)).toBeUndefined();
      expect(await findUserById(db, organization.id, committedUserId)).toBeDefined();
    });

    it('completes many concurrent transactions that each read their own writes', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          db.transaction().execute(async (tx) => {
            const user = await addUser(tx, organization.id, { username: `worker.${i}` });
            await sleep(5);
            const device = await addDevice(tx, user);
            const seen = await findDevice(tx, organization.id, device.id);
            return seen?.user_id === user.id;
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: 8 }, () => true));
      const users = await listUsers(db, organization.id, { limit: 100 });
      expect(users.map((u) => u.username)).toEqual(
        Array.from({ length: 8 }, (_, i) => `worker.${i}`),
      );
    });

    it('serves queries outside transactions after a transaction failed', async () => {
      const { db } = store();
      await expect(
        db.transaction().execute(() => Promise.reject(new DeliberateFailure('at once'))),
      ).rejects.toBeInstanceOf(DeliberateFailure);
      expect(await store().ping(5_000)).toBe(true);
    });
  });

  describe('column types', () => {
    it('returns timestamptz columns as equal Date objects', async () => {
      const { db } = store();
      // The night the clocks change in Germany, with milliseconds.
      const createdAt = new Date('2026-03-29T01:30:45.123Z');
      const organization = await addOrganization(db, { created_at: createdAt });
      const found = await findOrganizationById(db, organization.id);
      expect(found?.created_at).toBeInstanceOf(Date);
      expect(found?.created_at.toISOString()).toBe('2026-03-29T01:30:45.123Z');
    });

    it('returns null for an unset nullable timestamp', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const device = await addDevice(db, user);
      expect((await findDevice(db, organization.id, device.id))?.revoked_at).toBeNull();
    });

    it('returns a bigint sign_count above 32 bits as an exact number', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      const user = await addUser(db, organization.id);
      const signCount = 2 ** 40 + 7;
      await insertPasskey(db, {
        id: randomUUID(),
        organization_id: organization.id,
        user_id: user.id,
        credential_id: 'cred-bigint',
        public_key: 'pk',
        sign_count: signCount,
        transports: 'internal',
        name: 'Laptop',
        created_at: T0,
        last_used_at: null,
      });
      const found = await findPasskeyByCredentialId(db, organization.id, 'cred-bigint');
      expect(typeof found?.sign_count).toBe('number');
      expect(found?.sign_count).toBe(signCount);
    });

    it('returns int8 results such as count(*) as numbers', async () => {
      const { db } = store();
      const organization = await addOrganization(db);
      await addUser(db, organization.id);
      await addUser(db, organization.id);
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('organization_id', '=', organization.id)
        .executeTakeFirstOrThrow();
      expect(row.n).toBe(2);
    });
  });
});
