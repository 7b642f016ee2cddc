import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { main, type CliIo } from '../../src/cli/main.js';
import { startMessagingServer } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import {
  ClientCli,
  ORG,
  PASSWORD,
  cliErrorSchema,
  createMember,
  removeDir,
  tempDir,
  type CliRun,
} from './client-cli.js';

/* Files on the command line against a real server: `client send --file` and `client download`
   between two members, `client transfer …` links with password and download limit, and
   `amtsbote transfer fetch` by a recipient without an account. A file is saved only when it
   arrived unchanged; neither its content, the transfer password nor the link's secret appears
   in any output but the link's own, nor in the server's log. */

const CANARY = 'KANARIENVOGEL-Akte-8c41f2';
const TRANSFER_PASSWORD = 'Telefonisch durchgegeben 4711';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const sentFileSchema = z.strictObject({
  conversationId: z.uuid(),
  messageId: z.uuid(),
  seq: z.number().int().positive(),
  sentAt: z.iso.datetime({ offset: true }),
  fileId: z.uuid(),
});
const messagesSchema = z.array(
  z.looseObject({
    messageId: z.uuid(),
    text: z.string().nullable(),
    attachments: z.array(
      z.strictObject({
        index: z.number().int(),
        name: z.string(),
        mediaType: z.string(),
        sizeBytes: z.number().int(),
      }),
    ),
  }),
);
const savedSchema = z.strictObject({
  path: z.string(),
  name: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number().int(),
});
const transferSchema = z.looseObject({
  id: z.uuid(),
  fileId: z.uuid().nullable(),
  state: z.string(),
  maxDownloads: z.number().int().nullable(),
  downloadCount: z.number().int(),
  passwordProtected: z.boolean(),
  downloads: z.array(z.object({ startedAt: z.string() })),
});
const createdSchema = z.strictObject({ link: z.url(), transfer: transferSchema });

/** The blob of a file in the filesystem store (ADR 0013 layout). */
const blobPath = (server: TestServer, fileId: string): string =>
  path.join(server.dataDir, 'blobs', 'objects', fileId.slice(0, 2), fileId);

describe('amtsbote client files and transfers', () => {
  let server: TestServer;
  let root: string;
  let cli: ClientCli;
  let anna: string;
  let bernd: string;
  let conversationId: string;
  /** A file with the canary at its start and end, larger than several encryption chunks. */
  let original: Buffer;
  let originalPath: string;
  /** What `transfer create` and `transfer share` printed: the only output that holds links. */
  const linkOutputs: string[] = [];
  /** Everything `transfer fetch` printed. */
  const fetchOutputs: string[] = [];

  /** `amtsbote transfer fetch …` in this process, as a recipient without a profile. */
  const fetch = async (args: readonly string[], stdin = ''): Promise<CliRun> => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      env: {},
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      readStdin: () => Promise.resolve(stdin),
    };
    const code = await main(['transfer', 'fetch', ...args], io);
    fetchOutputs.push(stdout, stderr);
    return { code, stdout, stderr };
  };
  const fetchRefusal = async (args: readonly string[], stdin = '') => {
    const result = await fetch([...args, '--json'], stdin);
    const { error } = cliErrorSchema.parse(JSON.parse(result.stdout));
    expect(result.stderr).toContain(`error (${error.code}): `);
    return { exitCode: result.code, code: error.code };
  };

  /** `amtsbote admin set-policy` over the running server's admin socket. */
  const setFileDownload = async (setting: 'on' | 'off'): Promise<void> => {
    let stderr = '';
    const code = await main(['admin', 'set-policy', '--org', ORG, '--file-download', setting], {
      env: { AMTSBOTE_DATA_DIR: server.dataDir },
      stdout: () => undefined,
      stderr: (text) => {
        stderr += text;
      },
      readStdin: () => Promise.resolve(''),
    });
    expect(code, stderr).toBe(0);
  };

  const createTransfer = async (args: readonly string[], stdin = '') => {
    const result = await cli.run(['--profile', anna, 'transfer', ...args, '--json'], stdin);
    expect(result.code, result.stderr).toBe(0);
    linkOutputs.push(result.stdout);
    return createdSchema.parse(JSON.parse(result.stdout));
  };

  const sendFile = async (file: string, extra: readonly string[] = []) =>
    sentFileSchema.parse(
      await cli.json(anna, ['send', '--conversation', conversationId, '--file', file, ...extra]),
    );

  beforeAll(async () => {
    server = await startMessagingServer({
      rateLimitPerMinute: 100_000,
      authRateLimitPerMinute: 100_000,
    });
    root = await tempDir();
    cli = new ClientCli(server);
    anna = path.join(root, 'anna');
    bernd = path.join(root, 'bernd');
    const annaUser = await createMember(server, 'anna-amt');
    const berndUser = await createMember(server, 'bernd-buerger');
    await cli.login(anna, annaUser.username);
    await cli.login(bernd, berndUser.username);
    conversationId = z
      .object({ conversationId: z.uuid() })
      .parse(
        await cli.json(anna, [
          ...['conversation', 'create', '--name', 'Bauakten'],
          ...['--members', berndUser.username],
        ]),
      ).conversationId;
    original = Buffer.concat([
      Buffer.from(`${CANARY}\n`),
      randomBytes(1536 * 1024),
      Buffer.from(CANARY),
    ]);
    originalPath = path.join(root, 'Bauantrag 2025.pdf');
    await writeFile(originalPath, original);
  });

  afterAll(async () => {
    await server.close();
    await removeDir(root);
  });

  it('sends a file from disk; the other member sees its name and downloads an identical copy', async () => {
    const sent = await sendFile(originalPath);
    const messages = messagesSchema.parse(
      await cli.json(bernd, ['messages', '--conversation', conversationId]),
    );
    const message = messages.find((m) => m.messageId === sent.messageId);
    expect(message).toEqual(
      expect.objectContaining({
        text: 'Bauantrag 2025.pdf',
        attachments: [
          {
            index: 0,
            name: 'Bauantrag 2025.pdf',
            mediaType: 'application/pdf',
            sizeBytes: original.length,
          },
        ],
      }),
    );
    const text = await cli.run(['--profile', bernd, 'messages', '--conversation', conversationId]);
    expect(text.stdout).toContain(`[file 0: Bauantrag 2025.pdf, ${original.length} bytes]`);

    const out = path.join(root, 'bernd-download', 'Bauantrag.pdf');
    await mkdir(path.dirname(out));
    const saved = savedSchema.parse(
      await cli.json(bernd, [
        ...['download', '--conversation', conversationId, '--message', sent.messageId],
        ...['--out', out],
      ]),
    );
    expect(saved).toEqual({
      path: out,
      name: 'Bauantrag 2025.pdf',
      mediaType: 'application/pdf',
      sizeBytes: original.length,
    });
    expect(sha256(await readFile(out))).toBe(sha256(original));
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(out))).toEqual(['Bauantrag.pdf']);
  });

  it('sends a caption with the file and takes --type over the guess', async () => {
    const file = path.join(root, 'Notizen');
    await writeFile(file, 'Termin am Dienstag');
    const sent = await sendFile(file, ['--text', 'Bitte lesen', '--type', 'text/plain']);
    const messages = messagesSchema.parse(
      await cli.json(bernd, ['messages', '--conversation', conversationId]),
    );
    expect(messages.find((m) => m.messageId === sent.messageId)).toEqual(
      expect.objectContaining({
        text: 'Bitte lesen',
        attachments: [{ index: 0, name: 'Notizen', mediaType: 'text/plain', sizeBytes: 18 }],
      }),
    );
  });

  it('refuses an existing --out without --force and replaces it with --force', async () => {
    const sent = await sendFile(originalPath);
    const out = path.join(root, 'vorhanden.pdf');
    await writeFile(out, 'alte Fassung');
    const args = [
      ...['--profile', bernd, 'download', '--conversation', conversationId],
      ...['--message', sent.messageId, '--out', out],
    ];
    const refusal = await cli.refusal(args);
    expect(refusal).toEqual({ exitCode: 2, code: 'output_exists' });
    expect(await readFile(out, 'utf8')).toBe('alte Fassung');
    const replaced = await cli.run([...args, '--force']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(sha256(await readFile(out))).toBe(sha256(original));
  });

  it('saves nothing, not even a temporary file, when the blob on the server was changed', async () => {
    const sent = await sendFile(originalPath);
    const blob = await readFile(blobPath(server, sent.fileId));
    const at = blob.length - 1000;
    blob[at] = (blob[at] ?? 0) ^ 1;
    await writeFile(blobPath(server, sent.fileId), blob);

    const dir = path.join(root, 'manipuliert');
    await mkdir(dir);
    const refusal = await cli.refusal([
      ...['--profile', bernd, 'download', '--conversation', conversationId],
      ...['--message', sent.messageId, '--out', path.join(dir, 'Bauantrag.pdf')],
    ]);
    expect(refusal).toEqual({ exitCode: 1, code: 'file_tampered' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to save files when the organization does not allow it, and writes nothing', async () => {
    const sent = await sendFile(originalPath);
    const dir = path.join(root, 'richtlinie');
    await mkdir(dir);
    await setFileDownload('off');
    try {
      const args = [
        ...['--profile', bernd, 'download', '--conversation', conversationId],
        ...['--message', sent.messageId, '--out', path.join(dir, 'Bauantrag.pdf')],
      ];
      const result = await cli.run(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('error (file_download_not_allowed): ');
      expect(result.stderr).toContain('does not allow saving files');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await setFileDownload('on');
    }
  });

  it('hands a file to a recipient without an account, once, with the password', async () => {
    const created = await createTransfer(
      [
        ...['create', '--file', originalPath, '--expires', '7d'],
        ...['--max-downloads', '1', '--password-stdin'],
      ],
      `${TRANSFER_PASSWORD}\n`,
    );
    expect(created.link).toMatch(
      new RegExp(`^${server.baseUrl}/t/${created.transfer.id}#[A-Za-z0-9_-]{43}\\.p$`),
    );
    expect(created.transfer).toMatchObject({
      state: 'active',
      maxDownloads: 1,
      downloadCount: 0,
      passwordProtected: true,
    });

    const dir = path.join(root, 'empfang');
    await mkdir(dir);
    const out = path.join(dir, 'Bauantrag.pdf');
    const wrong = await fetchRefusal(
      [created.link, '--out', out, '--password-stdin'],
      'falsches Passwort\n',
    );
    expect(wrong).toEqual({ exitCode: 2, code: 'transfer_access_denied' });
    expect(await readdir(dir)).toEqual([]);
    expect(await fetchRefusal([created.link, '--out', out])).toEqual({
      exitCode: 2,
      code: 'password_required',
    });

    const fetched = await fetch(
      [created.link, '--out', out, '--password-stdin', '--json'],
      `${TRANSFER_PASSWORD}\n`,
    );
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(savedSchema.parse(JSON.parse(fetched.stdout))).toEqual({
      path: out,
      name: 'Bauantrag 2025.pdf',
      mediaType: 'application/pdf',
      sizeBytes: original.length,
    });
    expect(fetched.stderr).toContain('Bauantrag 2025.pdf (1.5 MiB)');
    expect(sha256(await readFile(out))).toBe(sha256(original));

    const again = await fetchRefusal(
      [created.link, '--out', path.join(dir, 'nochmal.pdf'), '--password-stdin'],
      `${TRANSFER_PASSWORD}\n`,
    );
    expect(again).toEqual({ exitCode: 2, code: 'transfer_exhausted' });
    expect(await readdir(dir)).toEqual(['Bauantrag.pdf']);

    const listed = z
      .array(transferSchema)
      .parse(await cli.json(anna, ['transfer', 'list']))
      .find((t) => t.id === created.transfer.id);
    expect(listed).toMatchObject({ downloadCount: 1, maxDownloads: 1 });
    expect(listed?.downloads).toHaveLength(1);
    const text = await cli.run(['--profile', anna, 'transfer', 'list']);
    expect(text.stdout).toContain(`${created.transfer.id}\t${listed?.state}\t1 of 1 downloads\t`);
  });

  it('prints the link alone on its line, and a revoked link fetches nothing', async () => {
    const result = await cli.run([
      ...['--profile', anna, 'transfer', 'create', '--file', originalPath, '--expires', '30m'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    linkOutputs.push(result.stdout);
    expect(result.stdout).toMatch(new RegExp(`^${server.baseUrl}/t/[0-9a-f-]{36}#[\\w-]{43}\\n$`));
    const link = result.stdout.trim();
    const id = link.split('/t/')[1]?.split('#')[0] ?? '';

    const revoked = transferSchema.parse(await cli.json(anna, ['transfer', 'revoke', id]));
    expect(revoked.state).toBe('revoked');
    const dir = path.join(root, 'widerrufen');
    await mkdir(dir);
    expect(await fetchRefusal([link, '--out', path.join(dir, 'x.pdf')])).toEqual({
      exitCode: 2,
      code: 'transfer_revoked',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it("shares a message's attachment by link without uploading it again", async () => {
    const sent = await sendFile(originalPath);
    const result = await cli.run([
      ...['--profile', bernd, 'transfer', 'share', '--conversation', conversationId],
      ...['--message', sent.messageId, '--expires', '1d', '--json'],
    ]);
    expect(result.code, result.stderr).toBe(0);
    linkOutputs.push(result.stdout);
    const shared = createdSchema.parse(JSON.parse(result.stdout));
    expect(shared.transfer.fileId).toBe(sent.fileId);
    const out = path.join(root, 'geteilt.pdf');
    const fetched = await fetch([shared.link, '--out', out]);
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(fetched.stdout).toBe(`${out}\n`);
    expect(sha256(await readFile(out))).toBe(sha256(original));
  });

  it('refuses bad transfer input with clear codes, reading no password for a bad command', async () => {
    const base = ['--profile', anna, 'transfer', 'create', '--file', originalPath];
    for (const [args, code] of [
      [[...base, '--expires', '31d'], 'invalid_expires'],
      [[...base, '--expires', '7 days'], 'invalid_expires'],
      [[...base, '--expires', '7d', '--max-downloads', '0'], 'invalid_max_downloads'],
      [[...base, '--expires', '7d', '--password-stdin'], 'missing_password'],
      [[...base.slice(0, -1), path.join(root, 'fehlt.pdf'), '--expires', '7d'], 'unreadable_file'],
      [['--profile', anna, 'transfer', 'revoke', 'kein-transfer'], 'invalid_transfer_id'],
    ] as const) {
      expect(await cli.refusal(args), args.join(' ')).toEqual({ exitCode: 2, code });
    }
    const out = path.join(root, 'nie.pdf');
    expect(await fetchRefusal([`${server.baseUrl}/t/kaputt`, '--out', out])).toEqual({
      exitCode: 2,
      code: 'invalid_link',
    });
  });

  it('shows no content, password or link secret anywhere but the link itself', () => {
    const secrets = linkOutputs.flatMap((output) =>
      [...output.matchAll(/#([A-Za-z0-9_-]{43})/g)].map((m) => m[1] ?? ''),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    const everyOutput = [...cli.printed, ...fetchOutputs];
    const allButLinks = everyOutput.filter((output) => !linkOutputs.includes(output));
    const logs = server.logs.join('');
    for (const text of [CANARY, TRANSFER_PASSWORD, PASSWORD, ...secrets]) {
      expect(allButLinks.join('\n').includes(text), text).toBe(false);
      expect(logs.includes(text), text).toBe(false);
    }
    for (const text of [CANARY, TRANSFER_PASSWORD]) {
      expect(linkOutputs.join('\n').includes(text), text).toBe(false);
    }
  });
});
