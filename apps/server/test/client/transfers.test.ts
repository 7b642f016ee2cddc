import { ApiError, openTransferLink, parseTransferLink } from '@amtsbote/client';
import { FileCryptoError, base64urlEncode, deriveTransferKeys } from '@amtsbote/crypto';
import { MAX_TRANSFER_ACCESS_FAILURES, TRANSFER_TICKET_HEADER } from '@amtsbote/protocol';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { TestServer } from '../support/test-server.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  type Person,
  type TestDevice,
} from './client-fixtures.js';
import { startCuttingProxy } from './cutting-proxy.js';

/* Transfers with real clients and a real server: a file shared by a link with expiry, download
   limit and password, fetched by a recipient without an account, who decrypts it on their
   device; the sender is told of each download and can revoke the link at any time. */

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const DAY_S = 24 * 3600;

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

async function expectApiError(promise: Promise<unknown>, status: number, code: string) {
  const error = await failureOf(promise);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status, code });
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** The blob of a transfer's file in the filesystem store (a transfer lists null once it is gone). */
function blobPath(server: TestServer, fileId: string | null): string {
  if (fileId === null) throw new Error('the transfer has no file');
  return path.join(server.dataDir, 'blobs', 'objects', fileId.slice(0, 2), fileId);
}

describe('transfers', () => {
  const clock = new ManualClock(new Date());
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer({
      clock,
      rateLimitPerMinute: 100_000,
      authRateLimitPerMinute: 100_000,
    });
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  const send = (
    bytes: Uint8Array,
    options: { maxDownloads?: number; password?: string; expiresInSeconds?: number } = {},
    name = 'Bauantrag.pdf',
  ) =>
    anna.client.sendTransfer(
      { name, mediaType: 'application/pdf', sizeBytes: bytes.length, body: bytes },
      { expiresInSeconds: options.expiresInSeconds ?? 7 * DAY_S, ...options },
    );

  it('hands a file to a recipient without an account; the server keeps only ciphertext', async () => {
    const canary = 'KANARIENVOGEL-Transfer-51d0a9';
    const password = `Passwort ${canary}`;
    const plaintext = Buffer.concat([
      Buffer.from(`${canary}\n`),
      randomBytes(2 * 1024 * 1024),
      Buffer.from(canary),
    ]);
    const created = await send(plaintext, { password }, `Gutachten ${canary}.pdf`);
    expect(created.link).toMatch(
      new RegExp(`^${server.baseUrl}/t/${created.transfer.id}#[A-Za-z0-9_-]{43}\\.p$`),
    );
    expect(created.transfer).toMatchObject({
      state: 'active',
      passwordProtected: true,
      downloadCount: 0,
      maxDownloads: null,
    });

    const opened = await openTransferLink(created.link, { password });
    expect(opened.metadata).toEqual({
      name: `Gutachten ${canary}.pdf`,
      type: 'application/pdf',
      size: plaintext.length,
    });
    expect(sha256(await readAll(await opened.download()))).toBe(sha256(plaintext));

    // The sender's device is told, and the list shows the download.
    await eventually(
      () => Promise.resolve(anna.events),
      (events) =>
        events.some(
          (e) =>
            e.type === 'transfer_downloaded' &&
            e.transferId === created.transfer.id &&
            e.downloadCount === 1,
        ),
      'the download notice',
    );
    const [listed] = (await anna.client.listTransfers()).filter(
      (t) => t.id === created.transfer.id,
    );
    expect(listed).toMatchObject({ downloadCount: 1, state: 'active' });
    expect(listed?.downloads).toHaveLength(1);

    // Neither content, name, password, link secret nor access token is on the server's disk
    // (blobs and database) or in its log.
    const secret = created.link.split('#')[1]?.slice(0, 43) ?? '';
    const planted = [canary, secret, Buffer.from(password).toString('base64url')];
    for (const file of await filesUnder(server.dataDir)) {
      const bytes = await readFile(file);
      for (const text of planted) expect(bytes.includes(text), `${file}: ${text}`).toBe(false);
    }
    for (const text of planted) expect(server.logs.join('').includes(text)).toBe(false);
  });

  it('refuses a wrong password, and locks the link after too many', async () => {
    const created = await send(randomBytes(1000), { password: 'richtiges Passwort' });
    await expectApiError(
      openTransferLink(created.link, { password: 'falsches Passwort' }),
      403,
      'transfer_access_denied',
    );
    // The right one still works while the link is not locked.
    await openTransferLink(created.link, { password: 'richtiges Passwort' });
    for (let attempt = 2; attempt < MAX_TRANSFER_ACCESS_FAILURES; attempt += 1) {
      await expectApiError(
        openTransferLink(created.link, { password: `falsch ${attempt}` }),
        403,
        'transfer_access_denied',
      );
    }
    await expectApiError(
      openTransferLink(created.link, { password: 'zehnter Versuch' }),
      410,
      'transfer_locked',
    );
    await expectApiError(
      openTransferLink(created.link, { password: 'richtiges Passwort' }),
      410,
      'transfer_locked',
    );
    const [listed] = (await anna.client.listTransfers()).filter(
      (t) => t.id === created.transfer.id,
    );
    expect(listed?.state).toBe('locked');
  });

  it('asks for the password of a link that has one, and refuses a damaged link', async () => {
    const created = await send(randomBytes(100), { password: 'geheim und lang' });
    await expect(openTransferLink(created.link)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const plain = await send(randomBytes(100));
    const [base, fragment = ''] = plain.link.split('#');
    const damaged = `${base}#${fragment.startsWith('A') ? 'B' : 'A'}${fragment.slice(1)}`;
    await expectApiError(openTransferLink(damaged), 403, 'transfer_access_denied');
    await expect(openTransferLink(base ?? '')).rejects.toBeInstanceOf(FileCryptoError);
    await expect(
      openTransferLink(`${server.baseUrl}/t/not-an-id#${fragment}`),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    const unknown = `${server.baseUrl}/t/${crypto.randomUUID()}#${fragment}`;
    await expectApiError(openTransferLink(unknown), 404, 'transfer_not_found');
  });

  it('counts downloads against the limit; opening counts none', async () => {
    const plaintext = randomBytes(5000);
    const created = await send(plaintext, { maxDownloads: 2 });
    const opened = await openTransferLink(created.link);
    expect(opened.offer.downloadsLeft).toBe(2);
    await openTransferLink(created.link);
    expect((await readAll(await opened.download())).equals(plaintext)).toBe(true);
    expect((await openTransferLink(created.link)).offer.downloadsLeft).toBe(1);
    expect((await readAll(await opened.download())).equals(plaintext)).toBe(true);
    await expectApiError(opened.download(), 410, 'transfer_exhausted');
    await expectApiError(openTransferLink(created.link), 410, 'transfer_exhausted');
  });

  it('refuses an expired link, but lets a download that started in time finish', async () => {
    const plaintext = randomBytes(3000);
    const created = await send(plaintext, { expiresInSeconds: 120 });
    const opened = await openTransferLink(created.link);
    const running = await opened.download();
    clock.advance(121_000);
    await expectApiError(openTransferLink(created.link), 410, 'transfer_expired');
    await expectApiError(opened.download(), 410, 'transfer_expired');
    expect((await readAll(running)).equals(plaintext)).toBe(true);
    const [listed] = (await anna.client.listTransfers()).filter(
      (t) => t.id === created.transfer.id,
    );
    expect(listed?.state).toBe('expired');
  });

  it('revokes at once: the link opens nothing, tickets stop, and the file is deleted', async () => {
    const created = await send(randomBytes(300 * 1024));
    const opened = await openTransferLink(created.link);
    const { ticket } = (await (
      await fetch(`${server.baseUrl}/api/transfers/${created.transfer.id}/downloads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access: await accessOf(created.link) }),
      })
    ).json()) as { ticket: string };
    expect(existsSync(blobPath(server, created.transfer.fileId))).toBe(true);

    // Only its sender may revoke it.
    await expectApiError(
      bernd.client.revokeTransfer(created.transfer.id),
      404,
      'transfer_not_found',
    );
    const revoked = await anna.client.revokeTransfer(created.transfer.id);
    expect(revoked.state).toBe('revoked');
    expect(revoked.revokedAt).not.toBeNull();

    await expectApiError(openTransferLink(created.link), 410, 'transfer_revoked');
    await expectApiError(opened.download(), 410, 'transfer_revoked');
    const read = await fetch(`${server.baseUrl}/api/transfers/${created.transfer.id}/content`, {
      headers: { [TRANSFER_TICKET_HEADER]: ticket },
    });
    expect(read.status).toBe(410);
    expect(existsSync(blobPath(server, created.transfer.fileId))).toBe(false);
    // Revoking again changes nothing.
    expect((await anna.client.revokeTransfer(created.transfer.id)).revokedAt).toBe(
      revoked.revokedAt,
    );
  });

  it('reads the ciphertext only with a valid ticket of that transfer', async () => {
    const first = await send(randomBytes(1000));
    const second = await send(randomBytes(1000));
    const start = async (link: string, id: string) =>
      (
        (await (
          await fetch(`${server.baseUrl}/api/transfers/${id}/downloads`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ access: await accessOf(link) }),
          })
        ).json()) as { ticket: string }
      ).ticket;
    const ticket = await start(first.link, first.transfer.id);
    const content = (id: string, headers: Record<string, string>) =>
      fetch(`${server.baseUrl}/api/transfers/${id}/content`, { headers });
    expect((await content(first.transfer.id, { [TRANSFER_TICKET_HEADER]: ticket })).status).toBe(
      200,
    );
    const ranged = await content(first.transfer.id, {
      [TRANSFER_TICKET_HEADER]: ticket,
      range: 'bytes=10-19',
    });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(10);
    for (const [id, headers] of [
      [second.transfer.id, { [TRANSFER_TICKET_HEADER]: ticket }],
      [first.transfer.id, {}],
      [first.transfer.id, { [TRANSFER_TICKET_HEADER]: `${ticket.slice(1)}x` }],
      [first.transfer.id, { authorization: `Bearer ${anna.grant.token}` }],
    ] as const) {
      const response = await content(id, headers);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'transfer_not_found' } });
    }
    // The ticket lives 12 hours.
    clock.advance(12 * 3600_000 + 1000);
    expect((await content(first.transfer.id, { [TRANSFER_TICKET_HEADER]: ticket })).status).toBe(
      404,
    );
  });

  it('resumes a download through forced disconnects without counting it again', async () => {
    const plaintext = randomBytes(3 * 1024 * 1024);
    const created = await send(plaintext);
    const proxy = await startCuttingProxy(server.baseUrl, 400 * 1024, { direction: 'download' });
    try {
      const link = created.link.replace(server.baseUrl, proxy.url);
      const opened = await openTransferLink(link, { retryDelaysMs: Array(30).fill(0) });
      const received = await readAll(await opened.download());
      expect(sha256(received)).toBe(sha256(plaintext));
      expect(proxy.cuts).toBeGreaterThanOrEqual(5);
    } finally {
      await proxy.close();
    }
    const [listed] = (await anna.client.listTransfers()).filter(
      (t) => t.id === created.transfer.id,
    );
    expect(listed?.downloadCount).toBe(1);
  });

  it('shows no plaintext of a file the server changed', async () => {
    const plaintext = randomBytes(600 * 1024);
    const created = await send(plaintext);
    const file = blobPath(server, created.transfer.fileId);
    const blob = await readFile(file);
    blob[blob.length - 100] = (blob[blob.length - 100] ?? 0) ^ 1;
    await writeFile(file, blob);
    const opened = await openTransferLink(created.link);
    const received: Uint8Array[] = [];
    const error = await failureOf(
      (async () => {
        for await (const part of await opened.download()) received.push(part);
      })(),
    );
    expect(error).toBeInstanceOf(FileCryptoError);
    expect((error as FileCryptoError).code).toBe('tampered');
    const shown = Buffer.concat(received);
    expect(shown.length).toBeLessThan(plaintext.length);
    expect(shown.equals(plaintext.subarray(0, shown.length))).toBe(true);
  });

  it('refuses what a lying server returns for a link, before showing anything', async () => {
    const created = await send(randomBytes(4000));
    const lying =
      (change: (offer: Record<string, unknown>) => void): typeof fetch =>
      async (input: string | URL | Request, init?: RequestInit) => {
        const response = await fetch(input, init);
        const url = input instanceof Request ? input.url : input.toString();
        if (!url.endsWith('/open')) return response;
        const offer = (await response.json()) as Record<string, unknown>;
        change(offer);
        return new Response(JSON.stringify(offer), {
          status: response.status,
          headers: { 'content-type': 'application/json' },
        });
      };
    const flip = (text: unknown): string => {
      const bytes = Buffer.from(String(text), 'base64url');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    const cases: [(offer: Record<string, unknown>) => void, string][] = [
      [(o) => (o['sizeBytes'] = Number(o['sizeBytes']) + 16), 'tampered'],
      [(o) => (o['wrappedKey'] = flip(o['wrappedKey'])), 'wrong_key'],
      [(o) => (o['sealedMetadata'] = flip(o['sealedMetadata'])), 'tampered'],
    ];
    for (const [change, code] of cases) {
      const error = await failureOf(openTransferLink(created.link, { fetch: lying(change) }));
      expect(error).toBeInstanceOf(FileCryptoError);
      expect((error as FileCryptoError).code).toBe(code);
    }
  });

  it('shares a chat attachment by link, for members of its conversation only', async () => {
    const { conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    const plaintext = randomBytes(10_000);
    const sent = await anna.client.sendFile(conversationId, {
      name: 'Protokoll.txt',
      mediaType: 'text/plain',
      sizeBytes: plaintext.length,
      body: plaintext,
    });
    await eventually(
      async () => {
        await bernd.client.sync();
        return bernd.client.timeline(conversationId);
      },
      (timeline) => timeline.some((i) => i.kind === 'message' && i.messageId === sent.messageId),
      'the attachment',
    );
    const shared = await bernd.client.shareAttachment(conversationId, sent.messageId, {
      expiresInSeconds: DAY_S,
      maxDownloads: 1,
    });
    const opened = await openTransferLink(shared.link);
    expect(opened.metadata.name).toBe('Protokoll.txt');
    expect((await readAll(await opened.download())).equals(plaintext)).toBe(true);

    // Someone outside the conversation cannot make a link to it.
    const carla = await personWithDevice(server, 'carla', { isLive: false });
    devices.push(carla);
    const forged = await failureOf(
      server.api(carla.grant.token).request(
        'POST',
        '/api/transfers',
        {
          fileId: sent.fileId,
          expiresInSeconds: DAY_S,
          passwordProtected: false,
          accessHash: base64urlEncode(new Uint8Array(32)),
          wrappedKey: base64urlEncode(new Uint8Array(60)),
          sealedMetadata: base64urlEncode(new Uint8Array(100)),
        },
        { safeParse: (v: unknown) => ({ success: true, data: v }) } as never,
      ),
    );
    expect(forged).toMatchObject({ status: 404, code: 'file_not_found' });
    // A standalone file is its uploader's alone.
    const standalone = await send(randomBytes(10));
    await expectApiError(
      server.api(bernd.grant.token).fetchRaw('GET', `/api/files/${standalone.transfer.fileId}`),
      404,
      'file_not_found',
    );
  });

  it('hands the link to colleagues in their direct conversations, which it reuses', async () => {
    const plaintext = randomBytes(20_000);
    const created = await send(plaintext, { maxDownloads: 1 });
    const [first] = await anna.client.sendTransferLink(
      created,
      [bernd.person.userId],
      'Die Unterlagen zur Sitzung',
    );
    const [second] = await anna.client.sendTransferLink(created, [bernd.person.userId]);
    expect(second?.conversationId).toBe(first?.conversationId);
    const conversationId = first?.conversationId ?? '';
    expect((await anna.client.conversation(conversationId))?.kind).toBe('direct');
    const texts = await eventually(
      async () => {
        await bernd.client.sync();
        return (await bernd.client.timeline(conversationId)).flatMap((i) =>
          i.kind === 'message' && i.content?.type === 'text' ? [i.content.text] : [],
        );
      },
      (found) => found.length === 2,
      'both messages with the link',
    );
    expect(texts).toEqual([`Die Unterlagen zur Sitzung\n${created.link}`, created.link]);
    const opened = await openTransferLink(texts[1] ?? '');
    expect((await readAll(await opened.download())).equals(plaintext)).toBe(true);
  });

  it('refuses bad creation requests and changes nothing', async () => {
    const before = (await anna.client.listTransfers()).length;
    const valid = {
      fileId: (await send(randomBytes(10))).transfer.fileId,
      expiresInSeconds: DAY_S,
      passwordProtected: false,
      accessHash: base64urlEncode(new Uint8Array(32)),
      wrappedKey: base64urlEncode(new Uint8Array(60)),
      sealedMetadata: base64urlEncode(new Uint8Array(100)),
    };
    const api = server.api(anna.grant.token);
    for (const bad of [
      { ...valid, expiresInSeconds: 31 * DAY_S },
      { ...valid, expiresInSeconds: 10 },
      { ...valid, maxDownloads: 0 },
      { ...valid, accessHash: base64urlEncode(new Uint8Array(31)) },
      { ...valid, wrappedKey: base64urlEncode(new Uint8Array(59)) },
      { ...valid, fileId: 'not-a-file' },
      { ...valid, extra: true },
    ]) {
      const response = await fetch(`${server.baseUrl}/api/transfers`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${anna.grant.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(bad),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
    }
    expect(api.token).toBe(anna.grant.token);
    expect((await anna.client.listTransfers()).length).toBe(before + 1);
  });
});

/** The access token of a link without password, derived as the recipient does. */
async function accessOf(link: string): Promise<string> {
  const keys = await deriveTransferKeys(parseTransferLink(link).secret, null);
  return base64urlEncode(keys.accessToken);
}
