import { HttpApi, MessagingClient, type LocalStore } from '@amtsbote/client';
import { WebSocket } from 'ws';
import { openProfile, type ProfileRecord } from './profile.js';

export interface ClientSession {
  readonly client: MessagingClient;
  readonly http: HttpApi;
  readonly store: LocalStore;
  readonly record: ProfileRecord;
}

export function webSocketUrl(serverUrl: string): string {
  return `${serverUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/api/ws`;
}

/**
 * Opens the profile, starts its device (key packages, catch-up, outbox) and runs work with it;
 * closes client and store afterwards, also on failure. isLive connects the WebSocket;
 * beforeStart sees the client before its catch-up (to subscribe to the events it emits).
 */
export async function withClientSession<T>(
  profileDir: string,
  isLive: boolean,
  work: (session: ClientSession) => Promise<T>,
  beforeStart: (client: MessagingClient) => void = () => undefined,
): Promise<T> {
  const { store, record } = await openProfile(profileDir);
  try {
    const http = new HttpApi({ baseUrl: record.serverUrl, token: record.token });
    const client = await MessagingClient.open({
      http,
      session: {
        organizationId: record.organizationId,
        userId: record.userId,
        deviceId: record.deviceId,
      },
      store,
      wsUrl: isLive ? webSocketUrl(record.serverUrl) : null,
      WebSocket: isLive ? WebSocket : null,
    });
    try {
      beforeStart(client);
      await client.start();
      return await work({ client, http, store, record });
    } finally {
      await client.close();
    }
  } finally {
    await store.close();
  }
}
