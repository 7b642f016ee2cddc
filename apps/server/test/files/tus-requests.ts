import { FILE_UPLOADS_PATH } from '@amtsbote/protocol';
import { expect } from 'vitest';

/* The tus protocol spoken by hand over real HTTP, for tests that need its requests one by one
   (packages/client uploads with tus-js-client). */

export type TusBody = Uint8Array | ReadableStream<Uint8Array>;

export const metadataFor = (conversationId: string): string =>
  `conversationId ${Buffer.from(conversationId).toString('base64')}`;

/** One request to the upload routes with the tus version header and, when given, a session. */
export function sendTus(
  baseUrl: string,
  path: string,
  method: string,
  token: string | null,
  headers: Record<string, string> = {},
  body?: TusBody,
): Promise<Response> {
  return fetch(new URL(path, baseUrl), {
    method,
    headers: {
      'Tus-Resumable': '1.0.0',
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
    ...(body === undefined ? {} : { body, duplex: 'half' as const }),
  });
}

/**
 * Creates an upload of `lengthBytes` for the conversation and sends `bytes` in one PATCH (all of
 * the file, or its beginning); returns the upload's id, which is the file's.
 */
export async function uploadBytes(
  baseUrl: string,
  token: string,
  conversationId: string,
  bytes: Uint8Array,
  lengthBytes = bytes.byteLength,
): Promise<string> {
  const created = await sendTus(baseUrl, FILE_UPLOADS_PATH, 'POST', token, {
    'Upload-Length': String(lengthBytes),
    'Upload-Metadata': metadataFor(conversationId),
  });
  expect(created.status).toBe(201);
  const location = created.headers.get('location') ?? '';
  const patched = await sendTus(
    baseUrl,
    location,
    'PATCH',
    token,
    { 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' },
    bytes,
  );
  expect(patched.status).toBe(204);
  return location.split('/').pop() ?? '';
}
