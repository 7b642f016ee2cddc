import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import {
  closeDevices,
  eventually,
  personWithDevice,
  startMessagingServer,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';

/* Thumbnails of images, made by createImageThumbnail in a real Chromium, then sent with the
   image through a real server and read back, authenticated, by the recipient. */

const SOURCE = path.resolve(
  import.meta.dirname,
  '../../../../packages/client/src/files/image-thumbnail.ts',
);

interface MadeThumbnail {
  readonly bytes: number[];
  readonly mediaType: 'image/webp' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

describe('image thumbnails', () => {
  let browser: Browser;
  let page: Page;
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };

  beforeAll(async () => {
    // The module has no imports: transpiled as it is, it runs in any page.
    const { outputText } = ts.transpileModule(await readFile(SOURCE, 'utf8'), {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 },
    });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setContent('<!doctype html><title>thumbnails</title>');
    await page.addScriptTag({
      type: 'module',
      content: `${outputText}\nwindow.createImageThumbnail = createImageThumbnail;`,
    });
    await page.waitForFunction(`'createImageThumbnail' in window`);
    server = await startMessagingServer();
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
  });
  afterAll(async () => {
    await browser.close();
    await closeDevices([anna, bernd]);
    await server.close();
  });

  /*
   * In-page code is passed as text: this project compiles without the DOM library. The page
   * holds createImageThumbnail on window (beforeAll).
   */

  /** Draws an image of the given size and type in the page and makes its thumbnail there. */
  const thumbnailOf = (
    width: number,
    height: number,
    type: string,
  ): Promise<MadeThumbnail | null> =>
    page.evaluate<MadeThumbnail | null>(`(async () => {
      const canvas = new OffscreenCanvas(${width}, ${height});
      const context = canvas.getContext('2d');
      const gradient = context.createLinearGradient(0, 0, ${width}, ${height});
      gradient.addColorStop(0, '#004b87');
      gradient.addColorStop(1, '#ffcc00');
      context.fillStyle = gradient;
      context.fillRect(0, 0, ${width}, ${height});
      const image = await canvas.convertToBlob({ type: ${JSON.stringify(type)} });
      const made = await window.createImageThumbnail(image);
      return made === null ? null : { ...made, bytes: [...made.bytes] };
    })()`);

  it('scales a large image down to its longest edge, without the original’s bytes', async () => {
    const made = await thumbnailOf(4000, 3000, 'image/png');
    expect(made).toMatchObject({ mediaType: 'image/webp', width: 320, height: 240 });
    expect(made?.bytes.length).toBeLessThanOrEqual(64 * 1024);
    // A WebP file: RIFF....WEBP.
    const bytes = Buffer.from(made?.bytes ?? []);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(await thumbnailOf(200, 50, 'image/jpeg')).toMatchObject({ width: 200, height: 50 });
  });

  it('makes none for what is not an image, or not one it will decode', async () => {
    const results = await page.evaluate(`Promise.all([
      window.createImageThumbnail(new Blob(['%PDF-1.7'], { type: 'application/pdf' })),
      window.createImageThumbnail(new Blob(['not a png'], { type: 'image/png' })),
      window.createImageThumbnail(
        new Blob(['<svg xmlns="http://www.w3.org/2000/svg"/>'], { type: 'image/svg+xml' }),
      ),
    ])`);
    expect(results).toEqual([null, null, null]);
  });

  it('travels with its image, encrypted, and reaches the recipient intact', async () => {
    const made = await thumbnailOf(1200, 900, 'image/png');
    if (made === null) throw new Error('no thumbnail was made');
    const thumbnail = Uint8Array.from(made.bytes);
    const { conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    const image = new Uint8Array(50_000).fill(7);
    const sent = await anna.client.sendFile(conversationId, {
      name: 'Baustelle.png',
      mediaType: 'image/png',
      sizeBytes: image.length,
      body: image,
      thumbnail: {
        bytes: thumbnail,
        mediaType: made.mediaType,
        width: made.width,
        height: made.height,
      },
    });
    await eventually(
      async () => {
        await bernd.client.sync();
        return bernd.client.timeline(conversationId);
      },
      (timeline) => timeline.some((i) => i.kind === 'message' && i.messageId === sent.messageId),
      'the image message',
    );
    const received = await bernd.client.attachmentThumbnail(conversationId, sent.messageId);
    expect(received?.thumbnail).toMatchObject({
      mediaType: made.mediaType,
      width: made.width,
      height: made.height,
      sizeBytes: thumbnail.length,
    });
    expect(Buffer.from(received?.bytes ?? []).equals(Buffer.from(thumbnail))).toBe(true);
    // The server holds the thumbnail as ciphertext only.
    const stored = await readFile(
      path.join(
        server.dataDir,
        'blobs',
        'objects',
        received?.thumbnail.fileId.slice(0, 2) ?? '',
        received?.thumbnail.fileId ?? '',
      ),
    );
    expect(stored.includes(Buffer.from(thumbnail.subarray(0, 64)))).toBe(false);
  });

  it('refuses a thumbnail the message cannot carry, before uploading anything', async () => {
    const { conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    });
    const file = { name: 'a.png', mediaType: 'image/png', sizeBytes: 1, body: Uint8Array.of(1) };
    for (const thumbnail of [
      { bytes: new Uint8Array(0), mediaType: 'image/webp', width: 10, height: 10 },
      { bytes: new Uint8Array(300 * 1024), mediaType: 'image/webp', width: 10, height: 10 },
      { bytes: Uint8Array.of(1), mediaType: 'image/gif', width: 10, height: 10 },
      { bytes: Uint8Array.of(1), mediaType: 'image/webp', width: 641, height: 10 },
      { bytes: Uint8Array.of(1), mediaType: 'image/webp', width: 10, height: 0 },
    ] as const) {
      await expect(
        anna.client.sendFile(conversationId, { ...file, thumbnail: thumbnail as never }),
      ).rejects.toMatchObject({ code: 'invalid_request' });
    }
    const rows = await server.handle.storage.db
      .selectFrom('files')
      .select('id')
      .where('conversation_id', '=', conversationId)
      .execute();
    expect(rows).toEqual([]);
  });
});
