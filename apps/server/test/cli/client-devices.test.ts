import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startMessagingServer } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  ClientCli,
  ORG,
  PASSWORD,
  createMember,
  exists,
  loginResultSchema,
  removeDir,
  tempDir,
} from './client-cli.js';

/* `amtsbote client` with several devices of one user: the first login prints the recovery key
   once, further profiles are added by a device link (approved from the first profile) or with
   the recovery key. */

const RECOVERY_KEY = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$/;
const deviceLinkLineSchema = z.strictObject({
  deviceLink: z.strictObject({
    code: z.string().regex(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/),
    qrPayload: z.string().startsWith('amtsbote-link:1:'),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
});
const approvedSchema = z.strictObject({ deviceId: z.uuid(), deviceName: z.string() });
const createdSchema = z.strictObject({ conversationId: z.uuid() });
const conversationsSchema = z.array(z.looseObject({ conversationId: z.uuid() }));

describe('amtsbote client with several devices of a user', () => {
  let server: TestServer;
  let root: string;
  let cli: ClientCli;
  let member: { username: string; id: string };
  let colleague: { username: string; id: string };
  let firstProfile: string;
  let recoveryKey: string;

  const loginArgs = (profile: string, username: string): string[] => [
    ...['--server', server.baseUrl, '--profile', profile, 'login'],
    ...['--org', ORG, '--username', username, '--password-stdin', '--json'],
  ];

  beforeAll(async () => {
    server = await startMessagingServer();
    root = await tempDir();
    cli = new ClientCli(server);
    member = await createMember(server, 'nora-neumann');
    colleague = await createMember(server, 'olaf-ott');
    await cli.login(path.join(root, 'olaf'), colleague.username);
    firstProfile = path.join(root, 'nora-1');
  });

  afterAll(async () => {
    await server.close();
    await removeDir(root);
  });

  it('prints the recovery key once, at the first login of a user', async () => {
    const first = await cli.login(firstProfile, member.username);
    expect(first.recoveryKey).toMatch(RECOVERY_KEY);
    recoveryKey = first.recoveryKey ?? '';

    const textLogin = await cli.run(
      [
        ...['--server', server.baseUrl, '--profile', path.join(root, 'paula'), 'login'],
        ...['--org', ORG, '--username', (await createMember(server, 'paula-p')).username],
        '--password-stdin',
      ],
      `${PASSWORD}\n`,
    );
    expect(textLogin.code, textLogin.stderr).toBe(0);
    expect(textLogin.stdout).toContain('Recovery key, shown only this once.');
    expect(textLogin.stdout).toMatch(/\n {2}[0-9A-Z]{4}(-[0-9A-Z]{4}){6}\n/);
  });

  it('adds a device by a link approved from the first profile, which then reads along', async () => {
    const linkedProfile = path.join(root, 'nora-2');
    let shown: z.infer<typeof deviceLinkLineSchema> | null = null;
    const approval: { done: Promise<unknown> | null } = { done: null };
    const login = cli.run(
      [...loginArgs(linkedProfile, member.username), '--link'],
      `${PASSWORD}\n`,
      (text) => {
        if (shown !== null) return;
        shown = deviceLinkLineSchema.parse(JSON.parse(text));
        approval.done = cli.json(firstProfile, ['device', 'approve', shown.deviceLink.code]);
      },
    );
    const result = await login;
    expect(result.code, result.stderr).toBe(0);
    const [linkLine, ...rest] = result.stdout.split('\n');
    expect(deviceLinkLineSchema.parse(JSON.parse(linkLine ?? ''))).toEqual(shown);
    const linked = loginResultSchema.parse(JSON.parse(rest.join('\n')));
    expect(linked.recoveryKey).toBeNull();
    expect(approvedSchema.parse(await approval.done)).toMatchObject({ deviceId: linked.deviceId });

    const { conversationId } = createdSchema.parse(
      await cli.json(path.join(root, 'olaf'), [
        ...['conversation', 'create', '--members', member.id],
      ]),
    );
    for (const profile of [firstProfile, linkedProfile]) {
      expect(conversationsSchema.parse(await cli.json(profile, ['conversation', 'list']))).toEqual([
        expect.objectContaining({ conversationId }),
      ]);
    }
  });

  it('adds a device with the recovery key, and refuses a wrong one without creating the profile', async () => {
    const refused = path.join(root, 'nora-falsch');
    const wrongKey = recoveryKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const typo = await cli.refusal(
      [...loginArgs(refused, member.username), '--recovery-key-stdin'],
      `${PASSWORD}\n${wrongKey}\n`,
    );
    expect(typo).toEqual({ exitCode: 2, code: 'recovery_key_mistyped' });
    const other = await cli.refusal(
      [...loginArgs(refused, member.username), '--recovery-key-stdin'],
      `${PASSWORD}\n0000-0000-0000-0000-0000-0000-0000\n`,
    );
    expect(other).toEqual({ exitCode: 2, code: 'recovery_key_invalid' });
    expect(await exists(refused)).toBe(false);

    const recovered = path.join(root, 'nora-3');
    const result = await cli.run(
      [...loginArgs(recovered, member.username), '--recovery-key-stdin'],
      `${PASSWORD}\n${recoveryKey.toLowerCase()}\n`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(loginResultSchema.parse(JSON.parse(result.stdout)).recoveryKey).toBeNull();
    const { conversationId } = createdSchema.parse(
      await cli.json(path.join(root, 'olaf'), [
        ...['conversation', 'create', '--members', member.id],
      ]),
    );
    expect(
      conversationsSchema.parse(await cli.json(recovered, ['conversation', 'list'])),
    ).toContainEqual(expect.objectContaining({ conversationId }));
  });

  it('refuses to approve with a wrong code or a typo', async () => {
    const wrong = await cli.refusal([
      ...['--profile', firstProfile, 'device', 'approve', '0000-0000-0000-0000'],
    ]);
    expect(wrong).toEqual({ exitCode: 2, code: 'device_link_not_found' });
    const typo = await cli.refusal([
      ...['--profile', firstProfile, 'device', 'approve', '0000-0000-0000-0001'],
    ]);
    expect(typo).toEqual({ exitCode: 2, code: 'device_link_code_invalid' });
  });

  it('never prints a password', () => {
    expect(cli.printed.join('\n')).not.toContain(PASSWORD);
  });
});
