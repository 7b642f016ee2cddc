import { randomUUID } from 'node:crypto';
import { MAX_DIRECTORY_LOOKUP_IDS, userViewSchema } from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, disableUserOverHttp } from '../sessions/identity-fixtures.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';
import {
  closeDevices,
  newPerson,
  personWithDevice,
  type Person,
  type TestDevice,
} from './client-fixtures.js';

/* The colleague directory through MessagingClient, as the web app uses it to show names for
   the user ids in conversations and to find colleagues by department. */

describe('MessagingClient directory', () => {
  let server: TestServer;
  let device: TestDevice;
  let colleague: Person;
  let former: Person;

  beforeAll(async () => {
    server = await startTestServer();
    const adminToken = (await setupFirstOrganization(server)).token;
    device = await personWithDevice(server, 'dora', { isLive: false });
    colleague = await newPerson(server, 'anna');
    await call(
      server,
      adminToken,
      'PATCH',
      `/api/admin/users/${colleague.userId}`,
      userViewSchema,
      {
        department: 'Standesamt',
      },
    );
    former = await newPerson(server, 'frank');
    await disableUserOverHttp(server, adminToken, former.userId);
  });
  afterAll(async () => {
    await closeDevices([device]);
    await server.close();
  });

  it('looks up more ids than one request takes, each once, disabled colleagues included', async () => {
    const unknown = Array.from({ length: 2 * MAX_DIRECTORY_LOOKUP_IDS }, () => randomUUID());
    const found = await device.client.lookupUsers([
      colleague.userId,
      ...unknown,
      former.userId,
      colleague.userId.toUpperCase(),
    ]);
    expect(
      found.map((u) => ({ username: u.username, department: u.department, isActive: u.isActive })),
    ).toEqual([
      { username: colleague.username, department: 'Standesamt', isActive: true },
      { username: former.username, department: null, isActive: false },
    ]);
    expect(await device.client.lookupUsers([])).toEqual([]);
  });

  it('finds active colleagues by department', async () => {
    const page = await device.client.searchDirectory('standes');
    expect(page.users.map((u) => u.id)).toEqual([colleague.userId]);
  });
});
