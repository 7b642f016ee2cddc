import { ApiError, HttpApi } from '@amtsbote/client';
import {
  PROTOCOL_VERSION,
  wsServerMessageSchema,
  type SessionGrant,
  type WsWelcome,
} from '@amtsbote/protocol';
import { WebSocket } from 'ws';
import { within } from '../support/cli-process.js';
import { DEVICE } from '../support/test-server.js';

/* Talking to a server started as a child process: setup, login and a session's WebSocket. */

export const ORGANIZATION = { slug: 'stadt-musterstadt', name: 'Stadt Musterstadt' } as const;
export const ADMIN = {
  username: 'admin',
  displayName: 'Anna Admin',
  password: 'correct horse battery staple',
} as const;

/** The setup link the server prints on a fresh start: its URL and the token after '#'. */
export const SETUP_LINK_PATTERN = /(https?:\/\/\S+\/setup)#([A-Za-z0-9_-]{20,})/;

export async function completeSetup(baseUrl: string, token: string): Promise<SessionGrant> {
  return new HttpApi({ baseUrl }).setup({
    token,
    organization: ORGANIZATION,
    admin: ADMIN,
    device: DEVICE,
  });
}

/** Logs in with a password; resolves with the session grant (no passkey is involved here). */
export async function login(
  baseUrl: string,
  username: string,
  password: string,
  organization: string = ORGANIZATION.slug,
): Promise<SessionGrant> {
  const response = await new HttpApi({ baseUrl }).login({
    organization,
    username,
    password,
    device: DEVICE,
  });
  if (response.status !== 'authenticated') throw new Error(`login needs ${response.status}`);
  return response;
}

/** The error code with which a login is refused, or null when it succeeds. */
export async function loginRefusal(
  baseUrl: string,
  username: string,
  password: string,
  organization: string = ORGANIZATION.slug,
): Promise<string | null> {
  try {
    await login(baseUrl, username, password, organization);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

export interface SessionSocket {
  readonly socket: WebSocket;
  readonly welcome: WsWelcome;
  /** Resolves with the close code and reason when the connection ends. */
  readonly closed: Promise<{ readonly code: number; readonly reason: string }>;
}

/** Opens /api/ws, sends the hello with the session token and waits for the welcome. */
export async function connectSession(wsUrl: string, token: string): Promise<SessionSocket> {
  const socket = new WebSocket(wsUrl);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
    });
  });
  const welcome = new Promise<WsWelcome>((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, token }));
    });
    socket.once('message', (data: Buffer) => {
      const message = wsServerMessageSchema.parse(JSON.parse(data.toString('utf8')));
      if (message.type === 'welcome') resolve(message);
      else reject(new Error(`the server rejected the hello: ${message.reason}`));
    });
    socket.once('error', reject);
    void closed.then(({ code }) => {
      reject(new Error(`the connection closed (${code}) before the welcome`));
    });
  });
  try {
    return { socket, welcome: await within(welcome, 5_000, 'the WebSocket welcome'), closed };
  } catch (error) {
    socket.terminate();
    throw error;
  }
}
