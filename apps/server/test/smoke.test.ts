import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupFirstOrganization, startTestServer, type TestServer } from './support/test-server.js';

describe('server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('completes setup and reports the administrator', async () => {
    const grant = await setupFirstOrganization(server);
    const me = await server.api(grant.token).me();
    expect(me.user.role).toBe('admin');
    expect(me.organization.slug).toBe('stadt-musterstadt');
  });
});
