import { ApiError, downloadCiphertext, uploadCiphertext, HttpApi } from '@amtsbote/client';
import {
  FileCryptoError,
  createFileDecryptor,
  createFileEncryptor,
  encryptedSize,
  generateFileKey,
} from '@amtsbote/crypto';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/* Chat attachments with real clients and a real server: encrypted on the sender's device as they
   upload over tus, decrypted by the recipient as they stream back; the server and its disk hold
   only ciphertext; a changed blob is refused; an upload survives many forced disconnects. */

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

function streamOf(bytes: Uint8Array, pieceBytes = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.subarray(offset, offset + pieceBytes));
      offset += pieceBytes;
    },
  });
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** The blob of a file in the filesystem store (ADR 0013 layout). */
const blobPath = (server: TestServer, fileId: string): string =>
  path.join(server.dataDir, 'blobs', 'objects', fileId.slice(0, 2), fileId);

describe('chat attachments', () => {
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };
  let conversationId: string;
  const devices: TestDevice[] = [];

  beforeAll(async () => {
    server = await startMessagingServer();
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    }));
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  const receivedBy = async (device: TestDevice, messageId: string): Promise<void> => {
    await eventually(
      async () => {
        await device.client.sync();
        return device.client.timeline(conversationId);
      },
      (timeline) => timeline.some((i) => i.kind === 'message' && i.messageId === messageId),
      'the message with the file',
    );
  };

  it('sends a file that the recipient reads back exactly; the server keeps only ciphertext', async () => {
    const canary = 'KANARIENVOGEL-Anhang-7c1f3e';
    const plaintext = Buffer.concat([
      Buffer.from(`${canary}\n`),
      randomBytes(3 * 1024 * 1024),
      Buffer.from(canary),
    ]);
    const sent = await anna.client.sendFile(conversationId, {
      name: `Dienstplan ${canary}.pdf`,
      mediaType: 'application/pdf',
      sizeBytes: plaintext.length,
      body: streamOf(plaintext),
    });
    await receivedBy(bernd, sent.messageId);

    const opened = await bernd.client.openAttachment(conversationId, sent.messageId);
    expect(opened.attachment).toMatchObject({
      fileId: sent.fileId,
      name: `Dienstplan ${canary}.pdf`,
      mediaType: 'application/pdf',
      sizeBytes: plaintext.length,
    });
    expect(sha256(await readAll(opened.body))).toBe(sha256(plaintext));

    const stored = await readFile(blobPath(server, sent.fileId));
    expect(stored.length).toBe(encryptedSize(plaintext.length));
    for (const file of await filesUnder(server.dataDir)) {
      expect((await readFile(file)).includes(canary), file).toBe(false);
    }
    expect(server.logs.join('').includes(canary)).toBe(false);
  });

  it('sends an empty file', async () => {
    const empty = await anna.client.sendFile(conversationId, {
      name: 'leer.txt',
      mediaType: 'text/plain',
      sizeBytes: 0,
      body: new Uint8Array(0),
    });
    await receivedBy(bernd, empty.messageId);
    const opened = await bernd.client.openAttachment(conversationId, empty.messageId);
    expect((await readAll(opened.body)).length).toBe(0);
  });

  it('refuses a file without a name or type before uploading anything', async () => {
    const before = await filesUnder(path.join(server.dataDir, 'blobs'));
    for (const [name, mediaType] of [
      ['   ', 'text/plain'],
      ['brief.txt', ''],
      ['x'.repeat(256), 'text/plain'],
    ] as const) {
      await expect(
        anna.client.sendFile(conversationId, {
          name,
          mediaType,
          sizeBytes: 1,
          body: Uint8Array.of(1),
        }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    }
    expect(await filesUnder(path.join(server.dataDir, 'blobs'))).toEqual(before);
  });

  it('refuses a body that is not the declared size', async () => {
    await expect(
      anna.client.sendFile(conversationId, {
        name: 'zu-kurz.bin',
        mediaType: 'application/octet-stream',
        sizeBytes: 1000,
        body: new Uint8Array(999),
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('refuses a blob the server changed, before any plaintext of the changed chunk', async () => {
    const plaintext = randomBytes(600 * 1024);
    const sent = await anna.client.sendFile(conversationId, {
      name: 'bericht.docx',
      mediaType: 'application/octet-stream',
      sizeBytes: plaintext.length,
      body: plaintext,
    });
    await receivedBy(bernd, sent.messageId);
    const file = blobPath(server, sent.fileId);
    const blob = await readFile(file);
    blob[blob.length - 100] = (blob[blob.length - 100] ?? 0) ^ 1;
    await writeFile(file, blob);

    const opened = await bernd.client.openAttachment(conversationId, sent.messageId);
    const received: Uint8Array[] = [];
    const error = await (async () => {
      try {
        for await (const part of opened.body) received.push(part);
        return null;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(FileCryptoError);
    expect((error as FileCryptoError).code).toBe('tampered');
    // Only the chunks before the changed last one came out.
    expect(Buffer.concat(received).length).toBeLessThan(plaintext.length);
    expect(
      Buffer.concat(received).equals(plaintext.subarray(0, Buffer.concat(received).length)),
    ).toBe(true);
  });

  it('finishes an upload through 20 and more forced disconnects, re-sending at most a chunk each', async () => {
    const chunkBytes = 1024 * 1024;
    const plaintext = randomBytes(16 * 1024 * 1024);
    const proxy = await startCuttingProxy(server.baseUrl, 700 * 1024);
    try {
      const key = generateFileKey();
      const http = new HttpApi({ baseUrl: proxy.url, token: anna.grant.token });
      const sizeBytes = encryptedSize(plaintext.length);
      const fileId = await uploadCiphertext(http, {
        conversationId,
        body: streamOf(plaintext).pipeThrough(createFileEncryptor(key)),
        sizeBytes,
        chunkBytes,
        retryDelaysMs: Array.from({ length: 10 }, () => 20),
      });
      expect(proxy.cuts).toBeGreaterThanOrEqual(20);
      // Headers of every request are small; what else was forwarded is what a cut lost.
      const resentBytes = proxy.forwardedBytes - sizeBytes;
      expect(resentBytes).toBeLessThanOrEqual(proxy.cuts * (chunkBytes + 8 * 1024));

      const ciphertext = await downloadCiphertext(server.api(bernd.grant.token), fileId);
      const decrypted = await readAll(
        ciphertext.pipeThrough(
          createFileDecryptor(key, { expectedPlaintextBytes: plaintext.length }),
        ),
      );
      expect(sha256(decrypted)).toBe(sha256(plaintext));
    } finally {
      await proxy.close();
    }
  });

  it('gives someone outside the conversation nothing', async () => {
    const sent = await anna.client.sendFile(conversationId, {
      name: 'intern.txt',
      mediaType: 'text/plain',
      sizeBytes: 5,
      body: new TextEncoder().encode('intern'.slice(0, 5)),
    });
    const clara = await personWithDevice(server, 'clara');
    devices.push(clara);
    const refusal = await downloadCiphertext(server.api(clara.grant.token), sent.fileId).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ApiError);
    expect((refusal as ApiError).status).toBe(404);
  });
});
