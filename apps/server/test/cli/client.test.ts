import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startMessagingServer } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  ClientCli,
  PASSWORD,
  createMember,
  loginResultSchema,
  removeDir,
  tempDir,
} from './client-cli.js';

/* `amtsbote client`: two CLI profiles talking to each other through a real server. The first
   is the organization's administrator, the second a member; both look colleagues up by
   username in the directory (more in client-directory.test.ts). */

const SETUP_ADMIN_PASSWORD = 'correct horse battery staple';

const createdSchema = z.strictObject({ conversationId: z.uuid() });
const sentSchema = z.strictObject({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  seq: z.number().int().positive(),
  sentAt: z.iso.datetime({ offset: true }),
});
const messagesSchema = z.array(
  z.strictObject({
    messageId: z.uuid(),
    seq: z.number().int(),
    sender: z.strictObject({ userId: z.uuid(), deviceId: z.uuid() }),
    sentAt: z.iso.datetime({ offset: true }),
    text: z.string().nullable(),
    contentType: z.string().nullable(),
    attachments: z.array(z.unknown()),
  }),
);
const conversationsSchema = z.array(
  z.object({
    conversationId: z.uuid(),
    kind: z.enum(['direct', 'group', 'channel']).nullable(),
    name: z.string().nullable(),
    isRemoved: z.boolean(),
  }),
);
const eventLineSchema = z.looseObject({ type: z.string() });
const messageEventSchema = z.looseObject({
  type: z.literal('message'),
  conversationId: z.uuid(),
  sender: z.object({ userId: z.uuid() }),
  content: z.object({ type: z.literal('text'), text: z.string() }),
});
const safetyCodeSchema = z.strictObject({
  userId: z.uuid(),
  safetyCode: z.string().regex(/^\d{5}( \d{5})+$/),
});

describe('amtsbote client', () => {
  let server: TestServer;
  let root: string;
  let cli: ClientCli;
  let adminProfile: string;
  let memberProfile: string;
  let adminUserId: string;
  let member: { username: string; id: string };
  let conversationId: string;

  beforeAll(async () => {
    server = await startMessagingServer();
    root = await tempDir();
    cli = new ClientCli(server);
    adminProfile = path.join(root, 'it-abteilung');
    memberProfile = path.join(root, 'sachbearbeitung');
    member = await createMember(server, 'bert-brandt');
    const adminLogin = await cli.run(
      [
        ...['--server', server.baseUrl, '--profile', adminProfile, 'login'],
        ...['--org', 'stadt-musterstadt', '--username', 'admin', '--password-stdin', '--json'],
        ...['--device-name', 'Sicherheitshinweise'],
      ],
      `${SETUP_ADMIN_PASSWORD}\n`,
    );
    expect(adminLogin.code, adminLogin.stderr).toBe(0);
    adminUserId = loginResultSchema.parse(JSON.parse(adminLogin.stdout)).userId;
    expect((await cli.login(memberProfile, member.username)).userId).toBe(member.id);
  });

  afterAll(async () => {
    await server.close();
    await removeDir(root);
  });

  it('creates a conversation by username, sends a text and the other profile reads it', async () => {
    conversationId = createdSchema.parse(
      await cli.json(adminProfile, [
        ...['conversation', 'create', '--name', 'Sicherheitshinweise'],
        ...['--members', member.username],
      ]),
    ).conversationId;
    const sent = sentSchema.parse(
      await cli.json(adminProfile, [
        ...['send', '--conversation', conversationId],
        ...['--text', 'Bitte heute alle Rechner neu starten.'],
      ]),
    );
    expect(sent.conversationId).toBe(conversationId);

    const messages = messagesSchema.parse(
      await cli.json(memberProfile, ['messages', '--conversation', conversationId]),
    );
    expect(messages.map((m) => ({ id: m.messageId, from: m.sender.userId, text: m.text }))).toEqual(
      [{ id: sent.messageId, from: adminUserId, text: 'Bitte heute alle Rechner neu starten.' }],
    );
    const conversations = conversationsSchema.parse(
      await cli.json(memberProfile, ['conversation', 'list']),
    );
    expect(conversations).toContainEqual(
      expect.objectContaining({ conversationId, kind: 'group', name: 'Sicherheitshinweise' }),
    );
  });

  it('prints a message the other profile sends while it listens, then stops after --count', async () => {
    const listening = cli.run(['--profile', memberProfile, 'listen', '--count', '1', '--json']);
    const sent = sentSchema.parse(
      await cli.json(adminProfile, [
        ...['send', '--conversation', conversationId, '--text', 'Update eingespielt.'],
      ]),
    );
    const result = await listening;
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => eventLineSchema.parse(JSON.parse(line)));
    const messages = events.flatMap((e) =>
      e.type === 'message' ? [messageEventSchema.parse(e)] : [],
    );
    expect(messages).toEqual([
      expect.objectContaining({
        conversationId,
        messageId: sent.messageId,
        sender: expect.objectContaining({ userId: adminUserId }) as unknown,
        content: { type: 'text', text: 'Update eingespielt.' },
      }),
    ]);
  });

  it('lets a member name colleagues by username or by user id', async () => {
    const colleague = await createMember(server, 'clara-christ');
    const claraProfile = path.join(root, 'clara');
    await cli.login(claraProfile, colleague.username);
    const direct = createdSchema.parse(
      await cli.json(memberProfile, [
        ...['conversation', 'create', '--kind', 'direct', '--members', colleague.username],
      ]),
    );
    const byId = createdSchema.parse(
      await cli.json(memberProfile, [
        ...['conversation', 'create', '--kind', 'direct', '--members', colleague.id],
      ]),
    );
    const claraSees = conversationsSchema.parse(
      await cli.json(claraProfile, ['conversation', 'list']),
    );
    expect(claraSees.map((c) => c.conversationId).sort()).toEqual(
      [direct.conversationId, byId.conversationId].sort(),
    );
    expect(claraSees.map((c) => c.kind)).toEqual(['direct', 'direct']);
  });

  it('adds and removes a colleague, reporting the devices that joined and left', async () => {
    const colleague = await createMember(server, 'dora-dietz');
    const doraProfile = path.join(root, 'dora');
    const dora = await cli.login(doraProfile, colleague.username);
    const change = async (verb: 'add' | 'remove'): Promise<unknown> =>
      cli.json(adminProfile, [
        ...['conversation', verb, '--conversation', conversationId, '--members', colleague.id],
      ]);
    expect(await change('add')).toEqual({ conversationId, addedDeviceIds: [dora.deviceId] });
    const doraSees = conversationsSchema.parse(
      await cli.json(doraProfile, ['conversation', 'list']),
    );
    expect(doraSees.map((c) => c.conversationId)).toEqual([conversationId]);
    expect(await change('remove')).toEqual({ conversationId, removedDeviceIds: [dora.deviceId] });
  });

  it('shows both sides the same safety code from the pinned identity keys', async () => {
    const adminSide = safetyCodeSchema.parse(
      await cli.json(adminProfile, ['safety-code', '--user', member.username]),
    );
    const memberSide = safetyCodeSchema.parse(
      await cli.json(memberProfile, ['safety-code', '--user', adminUserId]),
    );
    expect(adminSide.userId).toBe(member.id);
    expect(memberSide.safetyCode).toBe(adminSide.safetyCode);
  });

  it('never prints a password', () => {
    const everything = cli.printed.join('\n');
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(SETUP_ADMIN_PASSWORD);
  });
});
