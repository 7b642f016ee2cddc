import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  organizationPolicySchema,
  type OrganizationPolicy,
  type SessionGrant,
} from '@amtsbote/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/* The organization's file policy: members read the values in force (the server's config where
   the organization never chose, and never above it), administrators change single settings,
   refused changes change nothing, and the operator sets it with `amtsbote admin set-policy`. */

const ORG = 'stadt-musterstadt';
const OTHER_ORG = 'landkreis-beispiel';
const PASSWORD = 'Passphrase fuer die Dateirichtlinie';
/** The server's own limits in this suite. */
const SERVER_ENV = { AMTSBOTE_MAX_FILE_MB: '64', AMTSBOTE_FILE_QUOTA_GB: '3' };
const DEFAULTS: OrganizationPolicy = {
  hasReadReceipts: true,
  maxFileMegabytes: 64,
  fileQuotaGigabytes: 3,
  isFileDownloadAllowed: true,
  fileTypes: { mode: 'deny', extensions: [] },
  vaultWipeAfterFailures: 10,
  maxLockAfterMinutes: 60,
};

describeOnEachBackend('organization file policy', (backend) => {
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
      env: { AMTSBOTE_DATA_DIR: server.dataDir, ...SERVER_ENV },
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
    server = await startTestServer({ backend, authRateLimitPerMinute: 10_000, env: SERVER_ENV });
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

  it("gives every member the server's limits, saving allowed and every type, by default", async () => {
    expect(await policyOf(member)).toEqual(DEFAULTS);
    expect(
      await call(server, admin.token, 'GET', '/api/admin/policy', organizationPolicySchema),
    ).toEqual(DEFAULTS);
  });

  it('lets an administrator change single settings, leaving the others and other organizations', async () => {
    expect(await put(admin, { maxFileMegabytes: 10 })).toEqual({
      ...DEFAULTS,
      maxFileMegabytes: 10,
    });
    await put(admin, { hasReadReceipts: false });
    await put(admin, { fileQuotaGigabytes: 1, isFileDownloadAllowed: false });
    // Each extension once, in the order given.
    await put(admin, { fileTypes: { mode: 'allow', extensions: ['pdf', 'docx', 'pdf', 'odt'] } });
    const chosen: OrganizationPolicy = {
      hasReadReceipts: false,
      maxFileMegabytes: 10,
      fileQuotaGigabytes: 1,
      isFileDownloadAllowed: false,
      fileTypes: { mode: 'allow', extensions: ['pdf', 'docx', 'odt'] },
      vaultWipeAfterFailures: 10,
      maxLockAfterMinutes: 60,
    };
    expect(await policyOf(member)).toEqual(chosen);
    expect(await policyOf(otherMember)).toEqual(DEFAULTS);

    // null returns a size to the server's value; the server's own maximum may be chosen.
    expect(await put(admin, { maxFileMegabytes: null, fileQuotaGigabytes: 3 })).toEqual({
      ...chosen,
      maxFileMegabytes: 64,
      fileQuotaGigabytes: 3,
    });
    expect(
      await put(admin, {
        hasReadReceipts: true,
        maxFileMegabytes: null,
        fileQuotaGigabytes: null,
        isFileDownloadAllowed: true,
        fileTypes: { mode: 'deny', extensions: [] },
      }),
    ).toEqual(DEFAULTS);
  });

  it("refuses a size above the server's with policy_above_server_limit, changing nothing", async () => {
    await put(admin, { maxFileMegabytes: 20 });
    const expected = { ...DEFAULTS, maxFileMegabytes: 20 };
    const tooLarge = await expectApiError(put(admin, { maxFileMegabytes: 65 }), {
      status: 400,
      code: 'policy_above_server_limit',
    });
    expect(tooLarge.fields).toEqual([
      expect.objectContaining({ path: 'maxFileMegabytes', code: 'too_big' }),
    ]);
    expect(tooLarge.message).toContain('at most 64');
    // Nothing of a refused change is kept, also not its valid parts.
    const both = await expectApiError(
      put(admin, { hasReadReceipts: false, maxFileMegabytes: 64, fileQuotaGigabytes: 4 }),
      { status: 400, code: 'policy_above_server_limit' },
    );
    expect(both.fields.map((f) => f.path)).toEqual(['fileQuotaGigabytes']);
    expect(await policyOf(member)).toEqual(expected);
  });

  it('refuses malformed settings with invalid_request, changing nothing', async () => {
    const before = await policyOf(member);
    const extensions = (count: number) => Array.from({ length: count }, (_, i) => `x${i}`);
    for (const body of [
      {},
      { maxFileMegabytes: 0 },
      { maxFileMegabytes: 1.5 },
      { fileQuotaGigabytes: -1 },
      { fileQuotaGigabytes: '2' },
      { isFileDownloadAllowed: 'no' },
      { fileTypes: { mode: 'block', extensions: [] } },
      { fileTypes: { mode: 'deny', extensions: ['EXE'] } },
      { fileTypes: { mode: 'deny', extensions: ['.exe'] } },
      { fileTypes: { mode: 'deny', extensions: ['a'.repeat(17)] } },
      { fileTypes: { mode: 'deny', extensions: [''] } },
      { fileTypes: { mode: 'deny', extensions: extensions(201) } },
      { fileTypes: { mode: 'deny' } },
      { fileTypes: { mode: 'deny', extensions: [], other: 1 } },
      { fileDownloadAllowed: false },
    ]) {
      await expectApiError(put(admin, body), { status: 400, code: 'invalid_request' });
    }
    expect(await policyOf(member)).toEqual(before);
    // The limits themselves are accepted.
    const longest = { mode: 'deny' as const, extensions: [...extensions(199), 'a'.repeat(16)] };
    expect((await put(admin, { fileTypes: longest })).fileTypes).toEqual(longest);
    await put(admin, { fileTypes: DEFAULTS.fileTypes });
  });

  it('lets no member change it', async () => {
    const before = await policyOf(member);
    await expectApiError(put(member, { maxFileMegabytes: 1 }), { status: 403, code: 'forbidden' });
    await expectApiError(put(member, { fileTypes: { mode: 'allow', extensions: [] } }), {
      status: 403,
      code: 'forbidden',
    });
    expect(await policyOf(member)).toEqual(before);
  });

  it('is set by the operator with amtsbote admin set-policy', async () => {
    const set = await adminCli([
      'set-policy',
      '--org',
      ORG,
      '--max-file-mb',
      '32',
      '--file-quota-gb',
      'default',
      '--file-download',
      'off',
      '--deny-file-types',
      'exe, .BAT,js',
    ]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      [
        `largest file 32 MiB for ${ORG}`,
        `file quota 3 GiB for ${ORG}`,
        `saving files on devices off for ${ORG}`,
        `file types: all but exe, bat, js for ${ORG}`,
        '',
      ].join('\n'),
    );
    const expected = {
      ...DEFAULTS,
      maxFileMegabytes: 32,
      isFileDownloadAllowed: false,
      fileTypes: { mode: 'deny', extensions: ['exe', 'bat', 'js'] },
    };
    expect(await policyOf(member)).toEqual(expected);

    const allow = await adminCli([
      'set-policy',
      '--org',
      ORG,
      '--allow-file-types',
      'pdf',
      '--json',
    ]);
    expect(allow.code, allow.stderr).toBe(0);
    expect(organizationPolicySchema.parse(JSON.parse(allow.stdout))).toEqual({
      ...expected,
      fileTypes: { mode: 'allow', extensions: ['pdf'] },
    });

    const refusals = [
      [['--max-file-mb', '65'], 'policy_above_server_limit'],
      [['--file-quota-gb', '4'], 'policy_above_server_limit'],
      [['--max-file-mb', 'viel'], 'invalid_request'],
      [['--file-download', 'maybe'], 'invalid_request'],
      [['--allow-file-types', 'pdf', '--deny-file-types', 'exe'], 'invalid_request'],
      [['--deny-file-types', 'ex e'], 'invalid_request'],
      [[], 'invalid_request'],
    ] as const;
    for (const [args, code] of refusals) {
      const refused = await adminCli(['set-policy', '--org', ORG, ...args]);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toContain(`error (${code}): `);
    }
    expect((await policyOf(member)).fileTypes).toEqual({ mode: 'allow', extensions: ['pdf'] });
    await adminCli(['set-policy', '--org', ORG, '--deny-file-types', '', '--file-download', 'on']);
    expect(await policyOf(member)).toEqual({ ...DEFAULTS, maxFileMegabytes: 32 });
  });
});

describe("organization file policy after the server's config changed", () => {
  let dataDir = '';
  let server: TestServer | null = null;
  const restart = async (maxFileMb: string, quotaGb: string): Promise<TestServer> => {
    await server?.close();
    server = await startTestServer({
      dataDir,
      env: { AMTSBOTE_MAX_FILE_MB: maxFileMb, AMTSBOTE_FILE_QUOTA_GB: quotaGb },
    });
    return server;
  };
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-file-policy-'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("follows the server's new values where the organization never chose, and is capped by them", async () => {
    const policyOf = async (running: TestServer, grant: SessionGrant) =>
      call(running, grant.token, 'GET', '/api/policy', organizationPolicySchema);
    let running = await restart('100', '10');
    const admin = await setupFirstOrganization(running);
    await call(running, admin.token, 'PUT', '/api/admin/policy', organizationPolicySchema, {
      maxFileMegabytes: 80,
    });

    running = await restart('50', '20');
    expect(await policyOf(running, admin)).toMatchObject({
      maxFileMegabytes: 50,
      fileQuotaGigabytes: 20,
    });
    // The chosen value is back once the server allows it again.
    running = await restart('100', '10');
    expect(await policyOf(running, admin)).toMatchObject({
      maxFileMegabytes: 80,
      fileQuotaGigabytes: 10,
    });
  });
});
