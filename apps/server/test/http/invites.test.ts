import { inviteInfoSchema, meResponseSchema, sessionGrantSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  ORGANIZATION,
  acceptInvite,
  createInvite,
  createUserViaInvite,
  expectError,
  expectOk,
  listInvites,
  listUsers,
  rawRequest,
  tokenOfLink,
} from './helpers.js';

const HOUR_MS = 3600_000;

describe('invites', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ clock });
    adminToken = (await setupFirstOrganization(server)).token;
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates a link that carries the token in the fragment, never in the path or query', async () => {
    const invite = await createInvite(server, adminToken, { role: 'member', expiresInHours: 48 });
    const url = new URL(invite.url);
    expect(url.pathname).toBe('/invite');
    expect(url.search).toBe('');
    expect(tokenOfLink(invite.url)).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(invite).toMatchObject({ role: 'member', usedAt: null, revokedAt: null });
    expect(Date.parse(invite.expiresAt) - Date.parse(invite.createdAt)).toBe(48 * HOUR_MS);
  });

  it('shows the organization when an invite is inspected', async () => {
    const invite = await createInvite(server, adminToken);
    const response = await rawRequest(server, '/api/invites/inspect', {
      body: { token: tokenOfLink(invite.url) },
    });
    const info = expectOk(response, 200, inviteInfoSchema);
    expect(info.organization).toMatchObject(ORGANIZATION);
    expect(info.expiresAt).toBe(invite.expiresAt);
  });

  it('creates the user with the role of the invite and a working session on accept', async () => {
    for (const role of ['member', 'admin'] as const) {
      const invite = await createInvite(server, adminToken, { role });
      const response = await acceptInvite(server, tokenOfLink(invite.url), `new-${role}`);
      const grant = expectOk(response, 201, sessionGrantSchema);
      expect(grant.user).toMatchObject({ username: `new-${role}`, role, status: 'active' });
      expect(grant.organization).toMatchObject(ORGANIZATION);

      const me = expectOk(
        await rawRequest(server, '/api/me', { token: grant.token }),
        200,
        meResponseSchema,
      );
      expect(me.user).toEqual(grant.user);
      const listed = (await listInvites(server, adminToken)).find((i) => i.id === invite.id);
      expect(listed?.usedAt).not.toBeNull();
    }
  });

  it('refuses a replayed invite with 410 invite_used and creates no second user', async () => {
    const invite = await createInvite(server, adminToken);
    const token = tokenOfLink(invite.url);
    expectOk(await acceptInvite(server, token, 'first-taker'), 201, sessionGrantSchema);
    const usersBefore = await listUsers(server, adminToken);

    expectError(await acceptInvite(server, token, 'second-taker'), 410, 'invite_used');
    const inspect = await rawRequest(server, '/api/invites/inspect', { body: { token } });
    expectError(inspect, 410, 'invite_used');
    expect(await listUsers(server, adminToken)).toEqual(usersBefore);
  });

  it('refuses an expired invite with 410 invite_expired', async () => {
    const invite = await createInvite(server, adminToken, { expiresInHours: 1 });
    const token = tokenOfLink(invite.url);
    clock.advance(HOUR_MS + 1_000);
    const usersBefore = await listUsers(server, adminToken);

    const inspect = await rawRequest(server, '/api/invites/inspect', { body: { token } });
    expectError(inspect, 410, 'invite_expired');
    expectError(await acceptInvite(server, token, 'too-late'), 410, 'invite_expired');
    expect(await listUsers(server, adminToken)).toEqual(usersBefore);
  });

  it('refuses a revoked invite with 404 invite_invalid', async () => {
    const invite = await createInvite(server, adminToken);
    const token = tokenOfLink(invite.url);
    const revoke = await rawRequest(server, `/api/admin/invites/${invite.id}`, {
      method: 'DELETE',
      token: adminToken,
    });
    expect(revoke.status, revoke.text).toBe(204);
    const listed = (await listInvites(server, adminToken)).find((i) => i.id === invite.id);
    expect(listed?.revokedAt).not.toBeNull();
    const usersBefore = await listUsers(server, adminToken);

    const inspect = await rawRequest(server, '/api/invites/inspect', { body: { token } });
    expectError(inspect, 404, 'invite_invalid');
    expectError(await acceptInvite(server, token, 'revoked-taker'), 404, 'invite_invalid');
    expect(await listUsers(server, adminToken)).toEqual(usersBefore);
  });

  it('refuses a taken username with 409 username_taken and leaves the invite usable', async () => {
    const invite = await createInvite(server, adminToken);
    const token = tokenOfLink(invite.url);
    const usersBefore = await listUsers(server, adminToken);

    for (const username of ['admin', 'ADMIN']) {
      const error = expectError(await acceptInvite(server, token, username), 409, 'username_taken');
      expect(error.fields?.map((f) => f.path)).toEqual(['username']);
    }
    expect(await listUsers(server, adminToken)).toEqual(usersBefore);
    const listed = (await listInvites(server, adminToken)).find((i) => i.id === invite.id);
    expect(listed?.usedAt).toBeNull();

    const grant = expectOk(
      await acceptInvite(server, token, 'second-try'),
      201,
      sessionGrantSchema,
    );
    expect(grant.user.username).toBe('second-try');
  });

  it('forbids members to create or list invites', async () => {
    const member = await createUserViaInvite(server, adminToken, 'plain-member');
    const invitesBefore = await listInvites(server, adminToken);

    const create = await rawRequest(server, '/api/admin/invites', {
      token: member.token,
      body: { role: 'admin' },
    });
    expectError(create, 403, 'forbidden');
    const list = await rawRequest(server, '/api/admin/invites', { token: member.token });
    expectError(list, 403, 'forbidden');
    const anonymous = await rawRequest(server, '/api/admin/invites', { body: {} });
    expectError(anonymous, 401, 'unauthenticated');
    expect(await listInvites(server, adminToken)).toEqual(invitesBefore);
  });

  it('lists invites without their tokens or links', async () => {
    const invite = await createInvite(server, adminToken);
    const response = await rawRequest(server, '/api/admin/invites', { token: adminToken });
    expect(response.status).toBe(200);
    expect(response.text).not.toContain(tokenOfLink(invite.url));
    expect(response.text).not.toContain('/invite#');

    const invites = await listInvites(server, adminToken);
    expect(invites.map((i) => i.id)).toContain(invite.id);
    for (const listed of invites) {
      expect(Object.keys(listed).sort()).toEqual(
        ['createdAt', 'expiresAt', 'id', 'revokedAt', 'role', 'usedAt'].sort(),
      );
    }
  });
});
