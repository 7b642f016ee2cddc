import { organizationPolicySchema, type SessionGrant } from '@amtsbote/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import {
  call,
  createOrganization,
  createUser,
  expectApiError,
  login,
} from '../sessions/identity-fixtures.js';
import { describeOnEachBackend } from '../support/backends.js';
import {
  setupFirstOrganization,
  startTestServer,
  type TestServer,
} from '../support/test-server.js';

/* The organization policy (read receipts): on by default, read by every member, changed only by
   administrators, over HTTP or with `amtsbote admin set-policy`, one organization at a time. The
   file settings have their own test (file-policy.test.ts). */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer die Richtlinie';
/** The file settings of an organization that never chose, on a server with the default config. */
const FILE_DEFAULTS = {
  maxFileMegabytes: 4096,
  fileQuotaGigabytes: 100,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: [] },
};

describeOnEachBackend('organization policy', (backend) => {
  let server: TestServer;
  let admin: SessionGrant;
  let member: SessionGrant;
  let otherMember: SessionGrant;

  const policyOf = (grant: SessionGrant) =>
    call(server, grant.token, 'GET', '/api/policy', organizationPolicySchema);
  const put = (grant: SessionGrant, body: unknown) =>
    call(server, grant.token, 'PUT', '/api/admin/policy', organizationPolicySchema, body);

  /** `amtsbote admin …` in this process, reaching the running server over its admin socket. */
  const adminCli = async (args: readonly string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await main(['admin', ...args], {
      env: { AMTSBOTE_DATA_DIR: server.dataDir },
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      readStdin: () => Promise.resolve(''),
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    server = await startTestServer({ backend, authRateLimitPerMinute: 10_000 });
    admin = await setupFirstOrganization(server);
    await createUser(server, { org: ORG, username: 'bernd', password: PASSWORD });
    member = await login(server, { org: ORG, username: 'bernd', password: PASSWORD });
    await createOrganization(server, { slug: OTHER_ORG, name: 'Landkreis Beispiel' });
    await createUser(server, { org: OTHER_ORG, username: 'clara', password: PASSWORD });
    otherMember = await login(server, { org: OTHER_ORG, username: 'clara', password: PASSWORD });
  });
  afterAll(async () => {
    await server.close();
  });

  it('has read receipts on by default, for every member to read', async () => {
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
    expect(
      await call(server, admin.token, 'GET', '/api/admin/policy', organizationPolicySchema),
    ).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
    await expectApiError(call(server, null, 'GET', '/api/policy', organizationPolicySchema), {
      status: 401,
      code: 'unauthenticated',
    });
  });

  it('lets an administrator switch read receipts off for their organization only', async () => {
    expect(await put(admin, { hasReadReceipts: false })).toEqual({
      hasReadReceipts: false,
      ...FILE_DEFAULTS,
    });
    expect(await policyOf(member)).toEqual({ hasReadReceipts: false, ...FILE_DEFAULTS });
    expect(await policyOf(otherMember)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
    expect(await put(admin, { hasReadReceipts: true })).toEqual({
      hasReadReceipts: true,
      ...FILE_DEFAULTS,
    });
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
  });

  it('refuses members and malformed changes, changing nothing', async () => {
    await expectApiError(put(member, { hasReadReceipts: false }), {
      status: 403,
      code: 'forbidden',
    });
    await expectApiError(
      call(server, member.token, 'GET', '/api/admin/policy', organizationPolicySchema),
      { status: 403, code: 'forbidden' },
    );
    for (const body of [{}, { hasReadReceipts: 'off' }, { hasReadReceipts: false, extra: 1 }]) {
      await expectApiError(put(admin, body), { status: 400, code: 'invalid_request' });
    }
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
  });

  it('is set by the operator with amtsbote admin set-policy', async () => {
    const off = await adminCli(['set-policy', '--org', ORG, '--read-receipts', 'off', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(organizationPolicySchema.parse(JSON.parse(off.stdout))).toEqual({
      hasReadReceipts: false,
      ...FILE_DEFAULTS,
    });
    expect(await policyOf(member)).toEqual({ hasReadReceipts: false, ...FILE_DEFAULTS });

    const on = await adminCli(['set-policy', '--org', ORG, '--read-receipts', 'on']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toBe(`read receipts on for ${ORG}\n`);
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });

    const bad = await adminCli(['set-policy', '--org', ORG, '--read-receipts', 'maybe', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error (invalid_request): ');
    const unknown = await adminCli([
      'set-policy',
      '--org',
      'gibt-es-nicht',
      '--read-receipts',
      'off',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error (organization_not_found): ');
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
  });
});
