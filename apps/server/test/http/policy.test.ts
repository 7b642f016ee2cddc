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

/* The organization policy (read receipts, and the device settings of the apps' vaults): defaults
   for every member to read, changed only by administrators, over HTTP or with `amtsbote admin
   set-policy`, one organization at a time. The file settings have their own test
   (file-policy.test.ts). */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer die Richtlinie';
/** The device settings of an organization that never chose. */
const DEVICE_DEFAULTS = { vaultWipeAfterFailures: 10, maxLockAfterMinutes: 60 };
/**
 * The settings besides read receipts of an organization that never chose, on a server with the
 * default config.
 */
const FILE_DEFAULTS = {
  maxFileMegabytes: 4096,
  fileQuotaGigabytes: 100,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: [] },
  ...DEVICE_DEFAULTS,
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

  it('lets an administrator set the vault wipe and the longest lock time, for members to read', async () => {
    const chosen = {
      hasReadReceipts: true,
      ...FILE_DEFAULTS,
      vaultWipeAfterFailures: 5,
      maxLockAfterMinutes: 15,
    };
    expect(await put(admin, { vaultWipeAfterFailures: 5, maxLockAfterMinutes: 15 })).toEqual(
      chosen,
    );
    expect(await policyOf(member)).toEqual(chosen);
    expect(await policyOf(otherMember)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });

    // One setting at a time leaves the other; the bounds themselves are accepted.
    expect(await put(admin, { vaultWipeAfterFailures: 3 })).toEqual({
      ...chosen,
      vaultWipeAfterFailures: 3,
    });
    expect(await put(admin, { maxLockAfterMinutes: 1 })).toEqual({
      ...chosen,
      vaultWipeAfterFailures: 3,
      maxLockAfterMinutes: 1,
    });
    expect(await put(admin, { vaultWipeAfterFailures: 50, maxLockAfterMinutes: 60 })).toEqual({
      ...chosen,
      vaultWipeAfterFailures: 50,
      maxLockAfterMinutes: 60,
    });
    expect(await put(admin, DEVICE_DEFAULTS)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
  });

  it('refuses device settings out of range with invalid_request naming the field, changing nothing', async () => {
    await put(admin, { vaultWipeAfterFailures: 7, maxLockAfterMinutes: 30 });
    const before = await policyOf(member);
    expect(before).toEqual({
      hasReadReceipts: true,
      ...FILE_DEFAULTS,
      vaultWipeAfterFailures: 7,
      maxLockAfterMinutes: 30,
    });
    for (const [body, field] of [
      [{ vaultWipeAfterFailures: 2 }, 'vaultWipeAfterFailures'],
      [{ vaultWipeAfterFailures: 51 }, 'vaultWipeAfterFailures'],
      [{ vaultWipeAfterFailures: 9.5 }, 'vaultWipeAfterFailures'],
      [{ vaultWipeAfterFailures: '10' }, 'vaultWipeAfterFailures'],
      [{ vaultWipeAfterFailures: null }, 'vaultWipeAfterFailures'],
      [{ maxLockAfterMinutes: 0 }, 'maxLockAfterMinutes'],
      [{ maxLockAfterMinutes: 61 }, 'maxLockAfterMinutes'],
      [{ maxLockAfterMinutes: 2.5 }, 'maxLockAfterMinutes'],
      // A valid setting beside a refused one is not taken either.
      [{ vaultWipeAfterFailures: 20, maxLockAfterMinutes: 120 }, 'maxLockAfterMinutes'],
    ] as const) {
      const refused = await expectApiError(put(admin, body), {
        status: 400,
        code: 'invalid_request',
      });
      expect(
        refused.fields.map((f) => f.path),
        JSON.stringify(body),
      ).toEqual([`body.${field}`]);
    }
    expect(await policyOf(member)).toEqual(before);

    const cli = await adminCli(['set-policy', '--org', ORG, '--vault-wipe-after-failures', '99']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('error (invalid_request): ');
    const misspelt = await adminCli(['set-policy', '--org', ORG, '--max-lock-after-minutes', 'x']);
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('error (invalid_request): ');
    expect(await policyOf(member)).toEqual(before);
    await put(admin, DEVICE_DEFAULTS);
  });

  it('has the device settings set by the operator with amtsbote admin set-policy', async () => {
    const set = await adminCli([
      'set-policy',
      '--org',
      ORG,
      '--vault-wipe-after-failures',
      '4',
      '--max-lock-after-minutes',
      '10',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      `app vaults wiped after 4 failed PINs for ${ORG}\n` +
        `apps lock after at most 10 idle minutes for ${ORG}\n`,
    );
    expect(await policyOf(member)).toEqual({
      hasReadReceipts: true,
      ...FILE_DEFAULTS,
      vaultWipeAfterFailures: 4,
      maxLockAfterMinutes: 10,
    });
    await put(admin, DEVICE_DEFAULTS);
    expect(await policyOf(member)).toEqual({ hasReadReceipts: true, ...FILE_DEFAULTS });
  });
});
