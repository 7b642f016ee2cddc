import { HttpApi, type LocalStore, type MessagingClientOptions } from '@amtsbote/client';
import { base64urlEncode } from '@amtsbote/crypto';
import type { SessionGrant } from '@amtsbote/protocol';
import type { TestServer } from '../support/test-server.js';
import { clientOptions, encryptedMemoryStore, signIn, type Person } from './client-fixtures.js';

/* Fixtures of the device approval and recovery suites: a signed-in device without an account
   yet, a fetch that lies like a malicious server would, and the secrets a store holds. */

/** A new password login of the person, with an empty store: a device to link or recover. */
export interface NewDevice {
  readonly grant: SessionGrant;
  readonly store: LocalStore;
  readonly options: MessagingClientOptions;
}

export async function newDeviceOf(server: TestServer, person: Person): Promise<NewDevice> {
  const grant = await signIn(server, person);
  const store = await encryptedMemoryStore();
  return { grant, store, options: clientOptions(server, grant, store, false) };
}

/** Rewrites the JSON answer of one route, as a server that lies to this client would. */
export type Rewrite = (method: string, path: string, body: unknown) => unknown;

/** An HttpApi whose answers pass `rewrite` first (undefined: the answer stays as it was). */
export function lyingApi(server: TestServer, token: string, rewrite: Rewrite): HttpApi {
  const lyingFetch: typeof globalThis.fetch = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : input);
    const text = await response.text();
    if (text === '') return new Response(null, { status: response.status });
    const changed = rewrite(init?.method ?? 'GET', url.pathname, JSON.parse(text) as unknown);
    return new Response(changed === undefined ? text : JSON.stringify(changed), {
      status: response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return new HttpApi({ baseUrl: server.baseUrl, token, fetch: lyingFetch });
}

/** The user secrets a device's store holds, base64url: what must never leave it in clear. */
export async function storedSecrets(
  store: LocalStore,
): Promise<{ identityKey: string; historyKey: string }> {
  const identityKey = await store.get('identity', 'identity-key');
  const historyKey = await store.get('identity', 'history-key');
  if (identityKey === null || historyKey === null) throw new Error('no account in this store');
  return { identityKey: base64urlEncode(identityKey), historyKey: base64urlEncode(historyKey) };
}

/** Whether the store holds an account: a refused bootstrap must leave none. */
export async function hasAccount(store: LocalStore): Promise<boolean> {
  return (await store.get('identity', 'account')) !== null;
}
