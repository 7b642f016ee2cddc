import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { adminCommandSchema, runAdminCommand } from '../../src/admin/admin-commands.js';
import { startMessagingServer } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { ClientCli, ORG, createMember, removeDir, tempDir } from './client-cli.js';

/* `amtsbote client` resolves usernames through the colleague directory, so a member who is no
   administrator names colleagues by username; names that match no active colleague are
   refused before anything is created. */

const createdSchema = z.strictObject({ conversationId: z.uuid() });
const listSchema = z.array(
  z.looseObject({ conversationId: z.uuid(), name: z.string().nullable() }),
);

describe('amtsbote client with usernames of a member', () => {
  let server: TestServer;
  let root: string;
  let cli: ClientCli;
  const profiles = { lena: '', max: '', nina: '' };
  let maxId: string;
  let ninaId: string;

  beforeAll(async () => {
    server = await startMessagingServer();
    root = await tempDir();
    cli = new ClientCli(server);
    for (const name of ['lena', 'max', 'nina'] as const) profiles[name] = path.join(root, name);
    const lena = await createMember(server, 'lena.lang');
    const max = await createMember(server, 'max.muster');
    const nina = await createMember(server, 'Nina.Neu');
    maxId = max.id;
    ninaId = nina.id;
    await cli.login(profiles.lena, lena.username);
    await cli.login(profiles.max, max.username);
    await cli.login(profiles.nina, nina.username);
    await createMember(server, 'otto.alt');
    await runAdminCommand(
      server.handle.identity,
      adminCommandSchema.parse({ command: 'disable-user', org: ORG, username: 'otto.alt' }),
    );
  });
  afterAll(async () => {
    await server.close();
    await removeDir(root);
  });

  it('creates a conversation with --members u2,u3 by username, whatever their case', async () => {
    const created = createdSchema.parse(
      await cli.json(profiles.lena, [
        ...['conversation', 'create', '--name', 'Bauamt'],
        ...['--members', 'max.muster,nina.neu'],
      ]),
    );
    for (const profile of [profiles.max, profiles.nina]) {
      const seen = listSchema.parse(await cli.json(profile, ['conversation', 'list']));
      expect(seen).toEqual([
        expect.objectContaining({ conversationId: created.conversationId, name: 'Bauamt' }),
      ]);
    }
    const safety = z
      .object({ userId: z.uuid() })
      .parse(await cli.json(profiles.lena, ['safety-code', '--user', 'Nina.Neu']));
    expect(safety.userId).toBe(ninaId);
    expect(maxId).not.toBe(ninaId);
  });

  it('refuses unknown and disabled colleagues before creating anything', async () => {
    const before = listSchema.parse(await cli.json(profiles.lena, ['conversation', 'list']));
    for (const members of ['max.muster,gibt.es.nicht', 'otto.alt', 'max']) {
      const refusal = await cli.refusal([
        ...['--profile', profiles.lena, 'conversation', 'create'],
        ...['--members', members],
      ]);
      expect(refusal).toEqual({ exitCode: 2, code: 'unknown_user' });
    }
    expect(listSchema.parse(await cli.json(profiles.lena, ['conversation', 'list']))).toEqual(
      before,
    );
  });
});
