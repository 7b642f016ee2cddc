import { HttpApi, MessagingClient } from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import type { TestServer } from '../support/test-server.js';
import { clientOptions, encryptedMemoryStore, type TestDevice } from './client-fixtures.js';

/* A device whose HTTP traffic passes a tampering layer: a dishonest client (rewriting what it
   sends) or a dishonest server (rewriting what the device receives). Such devices run without
   the WebSocket, so everything they exchange passes the layer. */

export interface Tamper {
  /** Rewrites a JSON request body before it is sent. */
  readonly request?: (method: string, path: string, body: unknown) => unknown;
  /** Rewrites a successful JSON response before the client reads it. */
  readonly response?: (method: string, path: string, body: unknown) => unknown;
}

function urlOf(input: Parameters<typeof globalThis.fetch>[0]): URL {
  if (typeof input === 'string') return new URL(input);
  return input instanceof URL ? input : new URL(input.url);
}

export function tamperingFetch(tamper: Tamper): typeof globalThis.fetch {
  return async (input, init) => {
    const { pathname } = urlOf(input);
    const method = init?.method ?? 'GET';
    const body =
      typeof init?.body === 'string' && tamper.request !== undefined
        ? JSON.stringify(tamper.request(method, pathname, JSON.parse(init.body)))
        : init?.body;
    const response = await globalThis.fetch(input, {
      ...init,
      ...(body === undefined ? {} : { body }),
    });
    if (tamper.response === undefined || response.status !== 200) return response;
    const original: unknown = JSON.parse(await response.text());
    return new Response(JSON.stringify(tamper.response(method, pathname, original)), {
      status: response.status,
      headers: response.headers,
    });
  };
}

/** A started device (HTTP only) whose traffic passes the tampering layer. */
export async function startTamperedDevice(
  server: TestServer,
  grant: SessionGrant,
  tamper: Tamper,
): Promise<TestDevice> {
  const store = await encryptedMemoryStore();
  const http = new HttpApi({
    baseUrl: server.baseUrl,
    token: grant.token,
    fetch: tamperingFetch(tamper),
  });
  const client = await MessagingClient.bootstrap({
    ...clientOptions(server, grant, store, false),
    http,
  });
  const events: TestDevice['events'] = [];
  client.subscribe((event) => events.push(event));
  await client.start();
  return { client, grant, store, events };
}
