import { describe, expect, it } from 'vitest';
import {
  findDevice,
  listDevicesOfUser,
  markDeviceRevoked,
  touchDevice,
} from '../../src/identity/devices-store.js';
import {
  endSessions,
  findLiveSessionByTokenHash,
  listLiveSessionsOfUser,
  touchSession,
} from '../../src/identity/sessions-store.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import {
  addDevice,
  addOrganization,
  addSession,
  addUser,
  addUserWithDevice,
  minutesAfter,
  T0,
} from './rows.js';

describeEachBackend('devices and sessions stores', (backend) => {
  const store = useMigratedStore(backend);

  describe('devices', () => {
    it('finds a device only through its own organization', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const other = await addOrganization(db);
      expect(await findDevice(db, organization.id, device.id)).toEqual(device);
      expect(await findDevice(db, other.id, device.id)).toBeUndefined();
    });

    it('lists the devices of one user, oldest first', async () => {
      const { db } = store();
      const { organization, user, device } = await addUserWithDevice(db);
      const newer = await addDevice(db, user, { name: 'Phone', created_at: minutesAfter(10) });
      const older = await addDevice(db, user, { name: 'Desk', created_at: minutesAfter(-10) });
      const colleague = await addUser(db, organization.id);
      await addDevice(db, colleague);
      const listed = await listDevicesOfUser(db, organization.id, user.id);
      expect(listed.map((d) => d.id)).toEqual([older.id, device.id, newer.id]);
    });

    it('revokes a device once and reports a second revocation as no change', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const first = minutesAfter(1);
      expect(await markDeviceRevoked(db, organization.id, device.id, first)).toBe(true);
      expect(await markDeviceRevoked(db, organization.id, device.id, minutesAfter(2))).toBe(false);
      expect((await findDevice(db, organization.id, device.id))?.revoked_at).toEqual(first);
    });

    it('does not revoke a device through another organization', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const other = await addOrganization(db);
      expect(await markDeviceRevoked(db, other.id, device.id, minutesAfter(1))).toBe(false);
      expect((await findDevice(db, organization.id, device.id))?.revoked_at).toBeNull();
    });

    it('records when a device was last seen, only within its organization', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const other = await addOrganization(db);
      await touchDevice(db, other.id, device.id, minutesAfter(3));
      expect((await findDevice(db, organization.id, device.id))?.last_seen_at).toEqual(T0);
      await touchDevice(db, organization.id, device.id, minutesAfter(4));
      expect((await findDevice(db, organization.id, device.id))?.last_seen_at).toEqual(
        minutesAfter(4),
      );
    });
  });

  describe('findLiveSessionByTokenHash', () => {
    it('finds a session that has neither ended nor expired', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device, { expires_at: minutesAfter(60) });
      expect(await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(59))).toEqual(
        session,
      );
    });

    it('ignores a session at and after its expiry', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device, { expires_at: minutesAfter(60) });
      expect(
        await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(60)),
      ).toBeUndefined();
      expect(
        await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(61)),
      ).toBeUndefined();
    });

    it('ignores an ended session', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device, { ended_at: minutesAfter(1) });
      expect(await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(2))).toBe(
        undefined,
      );
    });

    it('rejects two sessions with the same token hash', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device);
      await expect(addSession(db, device, { token_hash: session.token_hash })).rejects.toThrow(
        /unique|duplicate/i,
      );
    });
  });

  describe('endSessions', () => {
    it('ends one session by id and returns its id', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const ending = await addSession(db, device);
      const staying = await addSession(db, device);
      const at = minutesAfter(5);
      expect(await endSessions(db, organization.id, { sessionId: ending.id }, at)).toEqual([
        ending.id,
      ]);
      expect(await findLiveSessionByTokenHash(db, ending.token_hash, at)).toBeUndefined();
      expect(await findLiveSessionByTokenHash(db, staying.token_hash, at)).toBeDefined();
    });

    it('ends nothing when the session belongs to a different user than named', async () => {
      const { db } = store();
      const { organization, device } = await addUserWithDevice(db);
      const colleague = await addUser(db, organization.id);
      const session = await addSession(db, device);
      const filter = { sessionId: session.id, userId: colleague.id };
      expect(await endSessions(db, organization.id, filter, minutesAfter(1))).toEqual([]);
      expect(await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(1))).toEqual(
        session,
      );
    });

    it('ends every live session of a user and no one else', async () => {
      const { db } = store();
      const { organization, user, device } = await addUserWithDevice(db);
      const phone = await addDevice(db, user, { name: 'Phone' });
      const onLaptop = await addSession(db, device);
      const onPhone = await addSession(db, phone);
      const colleague = await addUser(db, organization.id);
      const colleagueSession = await addSession(db, await addDevice(db, colleague));
      const ended = await endSessions(db, organization.id, { userId: user.id }, minutesAfter(1));
      expect([...ended].sort()).toEqual([onLaptop.id, onPhone.id].sort());
      const colleagueLive = await listLiveSessionsOfUser(
        db,
        organization.id,
        colleague.id,
        minutesAfter(1),
      );
      expect(colleagueLive.map((s) => s.session.id)).toEqual([colleagueSession.id]);
    });

    it('ends the sessions of one device only', async () => {
      const { db } = store();
      const { organization, user, device } = await addUserWithDevice(db);
      const phone = await addDevice(db, user, { name: 'Phone' });
      const onLaptop = await addSession(db, device);
      const onPhone = await addSession(db, phone);
      expect(
        await endSessions(db, organization.id, { deviceId: device.id }, minutesAfter(1)),
      ).toEqual([onLaptop.id]);
      expect(await findLiveSessionByTokenHash(db, onPhone.token_hash, minutesAfter(1))).toEqual(
        onPhone,
      );
    });

    it('ends nothing when given another organization id', async () => {
      const { db } = store();
      const { user, device } = await addUserWithDevice(db);
      const other = await addOrganization(db);
      const session = await addSession(db, device);
      const at = minutesAfter(1);
      expect(await endSessions(db, other.id, { sessionId: session.id }, at)).toEqual([]);
      expect(await endSessions(db, other.id, { userId: user.id }, at)).toEqual([]);
      expect(await endSessions(db, other.id, { deviceId: device.id }, at)).toEqual([]);
      expect(await findLiveSessionByTokenHash(db, session.token_hash, at)).toEqual(session);
    });

    it('does not end an ended session again', async () => {
      const { db } = store();
      const { organization, user, device } = await addUserWithDevice(db);
      const session = await addSession(db, device);
      const filter = { userId: user.id };
      expect(await endSessions(db, organization.id, filter, minutesAfter(1))).toEqual([session.id]);
      expect(await endSessions(db, organization.id, filter, minutesAfter(2))).toEqual([]);
    });
  });

  describe('listLiveSessionsOfUser', () => {
    it('lists live sessions oldest first with the device name', async () => {
      const { db } = store();
      const { organization, user, device } = await addUserWithDevice(db);
      const phone = await addDevice(db, user, { name: 'Dienst-Handy' });
      const newer = await addSession(db, phone, { created_at: minutesAfter(2) });
      const older = await addSession(db, device, { created_at: minutesAfter(1) });
      await addSession(db, device, { ended_at: minutesAfter(3) });
      await addSession(db, device, { expires_at: minutesAfter(4) });
      const live = await listLiveSessionsOfUser(db, organization.id, user.id, minutesAfter(5));
      expect(live).toEqual([
        { session: older, deviceName: device.name },
        { session: newer, deviceName: 'Dienst-Handy' },
      ]);
    });

    it('lists nothing through another organization', async () => {
      const { db } = store();
      const { user, device } = await addUserWithDevice(db);
      const other = await addOrganization(db);
      await addSession(db, device);
      expect(await listLiveSessionsOfUser(db, other.id, user.id, minutesAfter(1))).toEqual([]);
    });
  });

  describe('touchSession', () => {
    it('extends a live session', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device, { expires_at: minutesAfter(60) });
      await touchSession(db, session.id, minutesAfter(50), minutesAfter(110));
      expect(
        await findLiveSessionByTokenHash(db, session.token_hash, minutesAfter(100)),
      ).toMatchObject({ last_used_at: minutesAfter(50), expires_at: minutesAfter(110) });
    });

    it('does not bring an ended session back', async () => {
      const { db } = store();
      const { device } = await addUserWithDevice(db);
      const session = await addSession(db, device, { ended_at: minutesAfter(1) });
      await touchSession(db, session.id, minutesAfter(2), minutesAfter(200));
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', session.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual(session);
    });
  });
});
