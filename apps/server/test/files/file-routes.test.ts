import { randomBytes, randomUUID } from 'node:crypto';
import { errorBodySchema, type ErrorCode, type SessionGrant } from '@amtsbote/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobId } from '../../src/files/blob-id.js';
import {
  closeDevices,
  newPerson,
  personWithDevice,
  signIn,
  startMessagingServer,
  type Person,
  type TestDevice,
} from '../client/client-fixtures.js';
import { createOrganization, createUser, login } from '../sessions/identity-fixtures.js';
import type { TestServer } from '../support/test-server.js';
import { listAll, MiB, sha256 } from './blob-fixtures.js';
import { metadataFor, sendTus, type TusBody } from './tus-requests.js';

/* Chat attachments over real HTTP: tus uploads into the blob store, ranged downloads for the
   conversation's members, deletion by the uploader; everyone else sees nothing. */

const UPLOADS = '/api/files/uploads';
const OTHER_ORG = 'landkreis-beispiel';
const OTHER_PASSWORD = 'andere Passphrase fuer Tests';
/** The server runs with AMTSBOTE_MAX_FILE_MB=1024 and AMTSBOTE_FILE_QUOTA_GB=1. */
const MAX_FILE_BYTES = 1024 * MiB;
const QUOTA_BYTES = 1024 * MiB;

describe('file routes', () => {
  let server: TestServer;
  let anna: TestDevice & { person: Person };
  let bernd: TestDevice & { person: Person };
  /** Same organization, not a member of the conversation. */
  let carla: SessionGrant;
  /** Anna's second device. */
  let annaLaptop: SessionGrant;
  /** A user of another organization. */
  let otto: SessionGrant;
  let conversationId: string;
  const devices: TestDevice[] = [];

  const send = (
    path: string,
    method: string,
    token: string | null,
    headers: Record<string, string> = {},
    body?: TusBody,
  ): Promise<Response> => sendTus(server.baseUrl, path, method, token, headers, body);

  const create = (
    token: string | null,
    lengthBytes: number,
    metadata: string | null = metadataFor(conversationId),
  ): Promise<Response> =>
    send(UPLOADS, 'POST', token, {
      'Upload-Length': String(lengthBytes),
      ...(metadata === null ? {} : { 'Upload-Metadata': metadata }),
    });

  /** Creates an upload and returns its path (the relative Location). */
  const createUpload = async (token: string, lengthBytes: number): Promise<string> => {
    const response = await create(token, lengthBytes);
    expect(response.status).toBe(201);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/api\/files\/uploads\/[0-9a-f-]{36}$/);
    return location;
  };

  const patch = (
    location: string,
    token: string,
    offset: number,
    body: TusBody,
  ): Promise<Response> =>
    send(
      location,
      'PATCH',
      token,
      { 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
      body,
    );

  const offsetOf = async (location: string, token: string): Promise<number> => {
    const response = await send(location, 'HEAD', token);
    expect(response.status).toBe(200);
    return Number(response.headers.get('upload-offset'));
  };

  const download = (id: string, token: string | null, range?: string): Promise<Response> =>
    send(`/api/files/${id}`, 'GET', token, range === undefined ? {} : { Range: range });

  const idOf = (location: string): string => location.split('/').pop() ?? '';

  /** Rows and blobs: what a refused request must leave as it was. */
  const stored = async (): Promise<{ rows: unknown[]; blobs: unknown[] }> => {
    const { rows } = await sql`select id, status, size_bytes from files order by id`.execute(
      server.handle.storage.db,
    );
    return { rows, blobs: await listAll(server.handle.blobStore) };
  };

  const expectError = async (
    response: Response,
    status: number,
    code: ErrorCode,
  ): Promise<void> => {
    expect({ status: response.status, type: response.headers.get('content-type') }).toEqual({
      status,
      type: expect.stringMatching(/^application\/json/) as unknown,
    });
    const text = await response.text();
    // Answers to HEAD have no body.
    if (text === '') return;
    const { error } = errorBodySchema.parse(JSON.parse(text));
    expect(error.code).toBe(code);
    expect(error.requestId).toBe(response.headers.get('x-request-id'));
  };

  /** A body that sends some bytes and then breaks off, like a dropped connection. */
  const breakingBody = (bytes: Uint8Array): ReadableStream<Uint8Array> =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        setTimeout(() => {
          controller.error(new Error('connection lost'));
        }, 200);
      },
    });

  beforeAll(async () => {
    server = await startMessagingServer({
      rateLimitPerMinute: 100_000,
      env: { AMTSBOTE_MAX_FILE_MB: '1024', AMTSBOTE_FILE_QUOTA_GB: '1' },
    });
    anna = await personWithDevice(server, 'anna');
    bernd = await personWithDevice(server, 'bernd');
    devices.push(anna, bernd);
    ({ conversationId } = await anna.client.createConversation({
      kind: 'group',
      memberUserIds: [bernd.person.userId],
    }));
    carla = await signIn(server, await newPerson(server, 'carla'));
    annaLaptop = await signIn(server, anna.person);
    await createOrganization(server, { slug: OTHER_ORG, name: 'Landkreis Beispiel' });
    await createUser(server, { org: OTHER_ORG, username: 'otto', password: OTHER_PASSWORD });
    otto = await login(server, { org: OTHER_ORG, username: 'otto', password: OTHER_PASSWORD });
  });
  afterAll(async () => {
    await closeDevices(devices);
    await server.close();
  });

  describe('a complete upload', () => {
    const bytes = randomBytes(300_000);
    let location = '';
    let id = '';

    it('takes three PATCHes, resuming from the offset HEAD reports after a broken one', async () => {
      location = await createUpload(anna.grant.token, bytes.byteLength);
      id = idOf(location);
      expect(await stored()).toMatchObject({ rows: [{ id, status: 'uploading' }], blobs: [] });

      // Larger than the 64 KiB body limit of the JSON routes.
      const first = await patch(location, anna.grant.token, 0, bytes.subarray(0, 100_000));
      expect(first.status).toBe(204);
      expect(first.headers.get('upload-offset')).toBe('100000');

      await patch(
        location,
        anna.grant.token,
        100_000,
        breakingBody(bytes.subarray(100_000, 150_000)),
      ).catch(() => null);
      const resumeAt = await offsetOf(location, anna.grant.token);
      expect(resumeAt).toBeGreaterThanOrEqual(100_000);
      expect(resumeAt).toBeLessThanOrEqual(150_000);

      const second = await patch(
        location,
        anna.grant.token,
        resumeAt,
        bytes.subarray(resumeAt, 200_000),
      );
      expect(second.status).toBe(204);
      expect(await stored()).toMatchObject({ rows: [{ status: 'uploading' }], blobs: [] });
      const third = await patch(location, anna.grant.token, 200_000, bytes.subarray(200_000));
      expect(third.status).toBe(204);
      expect(third.headers.get('upload-offset')).toBe(String(bytes.byteLength));
      expect(await offsetOf(location, anna.grant.token)).toBe(bytes.byteLength);

      expect(await stored()).toEqual({
        rows: [{ id, status: 'complete', size_bytes: bytes.byteLength }],
        blobs: [{ id, sizeBytes: bytes.byteLength }],
      });
      const whole = await download(id, anna.grant.token);
      expect(whole.status).toBe(200);
      expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(bytes));
    });

    it('serves the whole file with the headers of a private download', async () => {
      const response = await download(id, bernd.grant.token);
      expect(response.status).toBe(200);
      expect({
        type: response.headers.get('content-type'),
        length: response.headers.get('content-length'),
        ranges: response.headers.get('accept-ranges'),
        cache: response.headers.get('cache-control'),
      }).toEqual({
        type: 'application/octet-stream',
        length: String(bytes.byteLength),
        ranges: 'bytes',
        cache: 'no-store',
      });
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      const head = await send(`/api/files/${id}`, 'HEAD', bernd.grant.token);
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    });

    it('serves the first byte, a middle, a suffix and an open-ended range', async () => {
      const total = bytes.byteLength;
      for (const [range, from, to] of [
        ['bytes=0-0', 0, 0],
        ['bytes=1000-1999', 1000, 1999],
        ['bytes=-500', total - 500, total - 1],
        ['bytes=299000-', 299_000, total - 1],
        ['bytes=299990-400000', 299_990, total - 1],
      ] as const) {
        const response = await download(id, bernd.grant.token, range);
        expect(response.status, range).toBe(206);
        expect(response.headers.get('content-range'), range).toBe(`bytes ${from}-${to}/${total}`);
        expect(response.headers.get('content-length'), range).toBe(String(to - from + 1));
        expect(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(from, to + 1))).toBe(
          true,
        );
      }
    });

    it('answers 416 with the size for a range outside the file or one it does not serve', async () => {
      for (const range of [`bytes=${bytes.byteLength}-`, 'bytes=5-2', 'bytes=0-1,5-6']) {
        const response = await download(id, anna.grant.token, range);
        expect(response.headers.get('content-range'), range).toBe(`bytes */${bytes.byteLength}`);
        await expectError(response, 416, 'range_not_satisfiable');
      }
    });

    it('lets the uploader on any device download, and no one outside the conversation', async () => {
      expect((await download(id, annaLaptop.token)).status).toBe(200);
      await expectError(await download(id, carla.token), 404, 'file_not_found');
      await expectError(await download(id, otto.token), 404, 'file_not_found');
      await expectError(await download(id, null), 401, 'unauthenticated');
      await expectError(await download(randomUUID(), bernd.grant.token), 404, 'file_not_found');
    });

    it('is deleted by its uploader only, row and blob', async () => {
      const before = await stored();
      for (const token of [bernd.grant.token, carla.token, otto.token]) {
        await expectError(await send(`/api/files/${id}`, 'DELETE', token), 404, 'file_not_found');
      }
      expect(await stored()).toEqual(before);
      expect((await send(`/api/files/${id}`, 'DELETE', annaLaptop.token)).status).toBe(204);
      expect(await server.handle.blobStore.stat(id as BlobId)).toBeNull();
      expect(await stored()).toEqual({ rows: [], blobs: [] });
      await expectError(await download(id, bernd.grant.token), 404, 'file_not_found');
    });
  });

  describe('an unfinished upload', () => {
    let location = '';

    beforeAll(async () => {
      location = await createUpload(anna.grant.token, 1000);
      expect((await patch(location, anna.grant.token, 0, randomBytes(400))).status).toBe(204);
    });

    it('cannot be downloaded, not even by its uploader', async () => {
      await expectError(await download(idOf(location), anna.grant.token), 404, 'file_not_found');
    });

    it('is continued by the uploading device only: another device of the user gets 404', async () => {
      const before = await stored();
      await expectError(await send(location, 'HEAD', annaLaptop.token), 404, 'file_not_found');
      await expectError(
        await patch(location, annaLaptop.token, 400, randomBytes(100)),
        404,
        'file_not_found',
      );
      await expectError(await send(location, 'DELETE', bernd.grant.token), 404, 'file_not_found');
      await expectError(await send(location, 'HEAD', otto.token), 404, 'file_not_found');
      await expectError(await send(location, 'HEAD', null), 401, 'unauthenticated');
      expect(await stored()).toEqual(before);
      expect(await offsetOf(location, anna.grant.token)).toBe(400);
    });

    it('refuses a PATCH at the wrong offset in our error format', async () => {
      await expectError(
        await patch(location, anna.grant.token, 0, randomBytes(10)),
        409,
        'upload_offset_conflict',
      );
      expect(await offsetOf(location, anna.grant.token)).toBe(400);
    });

    it('is terminated by its device, which removes its row', async () => {
      expect((await send(location, 'DELETE', anna.grant.token)).status).toBe(204);
      expect(await stored()).toEqual({ rows: [], blobs: [] });
      await expectError(await send(location, 'HEAD', anna.grant.token), 404, 'file_not_found');
    });
  });

  describe('refused creations', () => {
    it('change nothing and answer in our error format', async () => {
      const before = await stored();
      await expectError(await create(null, 10), 401, 'unauthenticated');
      await expectError(await create(anna.grant.token, MAX_FILE_BYTES + 1), 413, 'file_too_large');
      const unknownConversation = metadataFor(randomUUID());
      await expectError(
        await create(anna.grant.token, 10, unknownConversation),
        404,
        'conversation_not_found',
      );
      await expectError(await create(carla.token, 10), 404, 'conversation_not_found');
      await expectError(await create(otto.token, 10), 404, 'conversation_not_found');
      await expectError(
        await create(anna.grant.token, 10, metadataFor('not-a-uuid')),
        400,
        'invalid_request',
      );
      await expectError(
        await send(UPLOADS, 'POST', anna.grant.token, {
          'Upload-Defer-Length': '1',
          'Upload-Metadata': metadataFor(conversationId),
        }),
        400,
        'invalid_request',
      );
      const withoutVersion = await fetch(new URL(UPLOADS, server.baseUrl), {
        method: 'POST',
        headers: { Authorization: `Bearer ${anna.grant.token}`, 'Upload-Length': '10' },
      });
      await expectError(withoutVersion, 412, 'invalid_request');
      expect(await stored()).toEqual(before);
    });

    it('take an upload without a conversation as a standalone file, its uploader’s alone', async () => {
      const before = await stored();
      const created = await create(anna.grant.token, 10, null);
      expect(created.status).toBe(201);
      const location = created.headers.get('location') ?? '';
      expect((await patch(location, anna.grant.token, 0, randomBytes(10))).status).toBe(204);
      const id = idOf(location);
      expect((await download(id, anna.grant.token)).status).toBe(200);
      await expectError(await download(id, bernd.grant.token), 404, 'file_not_found');
      expect((await send(`/api/files/${id}`, 'DELETE', anna.grant.token)).status).toBe(204);
      expect(await stored()).toEqual(before);
    });

    it('stop at the organization quota, also when two race for the last bytes', async () => {
      const big = await createUpload(anna.grant.token, QUOTA_BYTES - 10 * MiB);
      const before = await stored();
      await expectError(await create(bernd.grant.token, 11 * MiB), 507, 'file_quota_exceeded');
      expect(await stored()).toEqual(before);
      const racing = await Promise.all([
        create(anna.grant.token, 6 * MiB),
        create(bernd.grant.token, 6 * MiB),
      ]);
      expect(racing.map((r) => r.status).sort()).toEqual([201, 507]);
      for (const response of racing) {
        if (response.status !== 201) {
          await expectError(response, 507, 'file_quota_exceeded');
          continue;
        }
        // Terminated by whichever device created it; the other one gets 404.
        const location = response.headers.get('location') ?? '';
        const answers = [
          await send(location, 'DELETE', anna.grant.token),
          await send(location, 'DELETE', bernd.grant.token),
        ];
        expect(answers.map((a) => a.status).sort()).toEqual([204, 404]);
      }
      expect((await send(big, 'DELETE', anna.grant.token)).status).toBe(204);
      expect(await stored()).toEqual({ rows: [], blobs: [] });
    });
  });
  it('completes an upload whose bytes are whole but whose completion was lost, when HEAD asks', async () => {
    const bytes = randomBytes(70_000);
    const location = await createUpload(anna.grant.token, bytes.byteLength);
    const id = idOf(location);
    expect((await patch(location, anna.grant.token, 0, bytes)).status).toBe(204);
    // The server stopped between storing the last byte and recording the completion.
    await sql`update files set status = 'uploading', completed_at = null where id = ${id}`.execute(
      server.handle.storage.db,
    );
    expect((await download(id, bernd.grant.token)).status).toBe(404);

    // The client asks where to resume, learns the upload is whole and takes it as sent.
    expect(await offsetOf(location, anna.grant.token)).toBe(bytes.byteLength);
    const whole = await download(id, bernd.grant.token);
    expect(whole.status).toBe(200);
    expect(sha256(Buffer.from(await whole.arrayBuffer()))).toBe(sha256(bytes));
    expect((await send(`/api/files/${id}`, 'DELETE', anna.grant.token)).status).toBe(204);
  });
});
