import { randomUUID } from 'node:crypto';
import { userViewSchema, type SessionGrant } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  call,
  createOrganization,
  createUser,
  disableUserOverHttp,
  enableUserOverHttp,
  expectApiError,
  listMyDevices,
  listMySessions,
  login,
  noContent,
} from './identity-fixtures.js';

const ORG = 'stadt-musterstadt';
const PASSWORD = 'lange Passphrase fuer Tests';
const UNAUTHENTICATED = { status: 401, code: 'unauthenticated' } as const;

describeOnEachBackend('session revocation over HTTP', (backend) => {
  let server: TestServer;
  let admin: SessionGrant;
  let userCount = 0;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    admin = await setupFirstOrganization(server);
  });
  afterAll(async () => {
    await server.close();
  });

  /** A fresh member per test, so no test depends on what another did to its users. */
  async function newMember(): Promise<string> {
    userCount += 1;
    const username = `person-${userCount}`;
    await createUser(server, { org: ORG, username, password: PASSWORD });
    return username;
  }

  const loginAs = (username: string, deviceName: string): Promise<SessionGrant> =>
    login(server, { org: ORG, username, password: PASSWORD, deviceName });

  const me = (token: string): Promise<unknown> => server.api(token).me();

  it('lists the own live sessions and marks the current one', async () => {
    const username = await newMember();
    const laptop = await loginAs(username, 'Laptop');
    const phone = await loginAs(username, 'Telefon');

    const seenFromLaptop = await listMySessions(server, laptop.token);
    expect(seenFromLaptop.map((s) => [s.id, s.deviceName, s.isCurrent]).sort()).toEqual(
      [
        [laptop.sessionId, 'Laptop', true],
        [phone.sessionId, 'Telefon', false],
      ].sort(),
    );
    const seenFromPhone = await listMySessions(server, phone.token);
    expect(seenFromPhone.filter((s) => s.isCurrent).map((s) => s.id)).toEqual([phone.sessionId]);
    const adminSessions = await listMySessions(server, admin.token);
    expect(adminSessions.map((s) => s.id)).not.toContain(laptop.sessionId);
  });

  it('ends another own session so that its token is refused at once', async () => {
    const username = await newMember();
    const laptop = await loginAs(username, 'Laptop');
    const phone = await loginAs(username, 'Telefon');
    await me(phone.token);

    await call(server, laptop.token, 'DELETE', `/api/me/sessions/${phone.sessionId}`, noContent);

    await expectApiError(me(phone.token), UNAUTHENTICATED);
    await expect(me(laptop.token)).resolves.toBeDefined();
    expect((await listMySessions(server, laptop.token)).map((s) => s.id)).toEqual([
      laptop.sessionId,
    ]);
    await expectApiError(
      call(server, laptop.token, 'DELETE', `/api/me/sessions/${phone.sessionId}`, noContent),
      { status: 404, code: 'session_not_found' },
    );
  });

  it("answers 404 when a user tries to end another user's session", async () => {
    const username = await newMember();
    const member = await loginAs(username, 'Laptop');

    for (const [actor, victim] of [
      [member, admin],
      [admin, member],
    ] as const) {
      await expectApiError(
        call(server, actor.token, 'DELETE', `/api/me/sessions/${victim.sessionId}`, noContent),
        { status: 404, code: 'session_not_found' },
      );
      await expect(me(victim.token)).resolves.toBeDefined();
    }
    await expectApiError(
      call(server, member.token, 'DELETE', `/api/me/sessions/${randomUUID()}`, noContent),
      { status: 404, code: 'session_not_found' },
    );
  });

  it('ends the sessions of an own device when the user revokes it', async () => {
    const username = await newMember();
    const laptop = await loginAs(username, 'Laptop');
    const phone = await loginAs(username, 'Telefon');
    const path = `/api/me/devices/${phone.device.id}/revoke`;

    await call(server, laptop.token, 'POST', path, noContent);

    await expectApiError(me(phone.token), UNAUTHENTICATED);
    await expect(me(laptop.token)).resolves.toBeDefined();
    const devices = await listMyDevices(server, laptop.token);
    expect(devices.find((d) => d.id === phone.device.id)?.revokedAt).not.toBeNull();
    expect(devices.find((d) => d.id === laptop.device.id)?.revokedAt).toBeNull();
    expect((await listMySessions(server, laptop.token)).map((s) => s.id)).toEqual([
      laptop.sessionId,
    ]);
    await expectApiError(call(server, laptop.token, 'POST', path, noContent), {
      status: 409,
      code: 'device_revoked',
    });
  });

  it("answers 404 when a user tries to revoke another user's device", async () => {
    const member = await loginAs(await newMember(), 'Laptop');

    await expectApiError(
      call(server, member.token, 'POST', `/api/me/devices/${admin.device.id}/revoke`, noContent),
      { status: 404, code: 'device_not_found' },
    );
    await expect(me(admin.token)).resolves.toBeDefined();
  });

  it('ends every session of a user an admin disables and refuses their login until enabled', async () => {
    const username = await newMember();
    const laptop = await loginAs(username, 'Laptop');
    const phone = await loginAs(username, 'Telefon');

    const disabled = await disableUserOverHttp(server, admin.token, laptop.user.id);
    expect(disabled.status).toBe('disabled');

    await expectApiError(me(laptop.token), UNAUTHENTICATED);
    await expectApiError(me(phone.token), UNAUTHENTICATED);
    await expectApiError(loginAs(username, 'Tablet'), {
      status: 401,
      code: 'invalid_credentials',
    });

    const enabled = await enableUserOverHttp(server, admin.token, laptop.user.id);
    expect(enabled.status).toBe('active');
    const tablet = await loginAs(username, 'Tablet');
    await expect(me(tablet.token)).resolves.toBeDefined();
    // Enabling does not bring back the sessions that disabling ended.
    await expectApiError(me(laptop.token), UNAUTHENTICATED);
    await expectApiError(me(phone.token), UNAUTHENTICATED);
  });

  it('refuses to disable or demote the last active administrator', async () => {
    const adminPath = `/api/admin/users/${admin.user.id}`;
    await expectApiError(disableUserOverHttp(server, admin.token, admin.user.id), {
      status: 409,
      code: 'last_admin',
    });
    await expectApiError(
      call(server, admin.token, 'PATCH', adminPath, userViewSchema, { role: 'member' }),
      { status: 409, code: 'last_admin' },
    );
    const adminMe = await server.api(admin.token).me();
    expect({ role: adminMe.user.role, status: adminMe.user.status }).toEqual({
      role: 'admin',
      status: 'active',
    });

    // With a second active administrator the same change is allowed: the rule is about the last.
    const second = await createUser(server, {
      org: ORG,
      username: 'zweite-admin',
      password: PASSWORD,
      role: 'admin',
    });
    const demoted = await call(
      server,
      admin.token,
      'PATCH',
      `/api/admin/users/${second.id}`,
      userViewSchema,
      { role: 'member' },
    );
    expect(demoted.role).toBe('member');
    await expectApiError(
      call(server, admin.token, 'PATCH', adminPath, userViewSchema, { role: 'member' }),
      { status: 409, code: 'last_admin' },
    );
  });

  it('keeps one active administrator when two disable each other at the same moment', async () => {
    // Several organizations race at once, to make an interleaving of the two checks likely.
    const races = Array.from({ length: 8 }, (_, i) => `wettlauf-${backend}-${i}`);
    const sessions = await Promise.all(
      races.map(async (org) => {
        await createOrganization(server, { slug: org, name: 'Wettlauf' });
        const first = await createUser(server, {
          org,
          username: 'erste',
          password: PASSWORD,
          role: 'admin',
        });
        const second = await createUser(server, {
          org,
          username: 'zweite',
          password: PASSWORD,
          role: 'admin',
        });
        return {
          org,
          first,
          second,
          firstToken: (await login(server, { org, username: 'erste', password: PASSWORD })).token,
          secondToken: (await login(server, { org, username: 'zweite', password: PASSWORD })).token,
        };
      }),
    );

    await Promise.allSettled(
      sessions.flatMap((r) => [
        disableUserOverHttp(server, r.firstToken, r.second.id),
        disableUserOverHttp(server, r.secondToken, r.first.id),
      ]),
    );

    for (const { org } of sessions) {
      const users = await runAdminCommand(
        server.handle.identity,
        adminCommandSchema.parse({ command: 'list-users', org }),
      );
      const activeAdmins = userViewSchema
        .array()
        .parse(users)
        .filter((u) => u.role === 'admin' && u.status === 'active');
      expect(activeAdmins, org).toHaveLength(1);
    }
  });
});
