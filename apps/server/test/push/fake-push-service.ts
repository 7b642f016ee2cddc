import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decryptPushMessage, newReceiver, type Receiver } from './web-push-decryptor.js';

/*
 * A push service on loopback, as browsers' push services behave towards an application server
 * (RFC 8030 section 5): it takes POSTs to subscription endpoints, checks the VAPID token
 * (RFC 8292) against the key the test expects, decrypts the body with the subscriber's keys
 * and records everything. Each subscriber answers with a status the test chooses (201 unless
 * told otherwise).
 */

const MAX_BODY_BYTES = 8192;
const DAY_SECONDS = 24 * 3600;

/** A browser's subscription on this service. */
export interface Subscriber {
  readonly endpoint: string;
  /** The capability part of the endpoint, which must never appear in logs. */
  readonly token: string;
  readonly receiver: Receiver;
  /** As PushSubscription.toJSON() gives it. */
  readonly json: { endpoint: string; keys: { p256dh: string; auth: string } };
  /** The status this subscriber's pushes are answered with. */
  status: number;
}

export interface ReceivedPush {
  readonly token: string;
  readonly receivedAtMs: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Uint8Array;
  /** What is wrong with the VAPID token; null when it is valid. */
  readonly vapidProblem: string | null;
  /** The decrypted payload, or null when it did not decrypt. */
  readonly plaintext: string | null;
  readonly answeredStatus: number;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

async function readBody(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new Error('push body too large');
    chunks.push(buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** RFC 8292: "vapid t=<JWT>, k=<key>", ES256 by k, aud our origin, exp within 24 hours. */
async function vapidProblem(
  header: string | undefined,
  expectedKey: string,
  origin: string,
): Promise<string | null> {
  const match =
    /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(
      header ?? '',
    );
  if (match === null) return 'no vapid authorization';
  const [, token = '', key = ''] = match;
  if (key !== expectedKey) return 'another key';
  const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
  const jwtHeader = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as unknown;
  if (JSON.stringify(jwtHeader) !== JSON.stringify({ typ: 'JWT', alg: 'ES256' })) {
    return 'not an ES256 JWT';
  }
  const publicKey = await globalThis.crypto.subtle.importKey(
    'raw',
    Buffer.from(key, 'base64url'),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const isValid = await globalThis.crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    publicKey,
    Buffer.from(signaturePart, 'base64url'),
    Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'),
  );
  if (!isValid) return 'bad signature';
  const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as {
    aud?: unknown;
    exp?: unknown;
  };
  if (claims.aud !== origin) return 'wrong audience';
  const nowSeconds = Date.now() / 1000;
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return 'expired';
  if (claims.exp > nowSeconds + DAY_SECONDS) return 'expires after more than 24 hours';
  return null;
}

export class FakePushService {
  readonly received: ReceivedPush[] = [];
  readonly #subscribers = new Map<string, Subscriber>();
  readonly #server: Server;
  #origin = '';
  #expectedKey = '';

  private constructor() {
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch(() => {
        response.statusCode = 500;
        response.end();
      });
    });
  }

  /** Starts on a random loopback port; pushes must be signed with the VAPID key given. */
  static async start(): Promise<FakePushService> {
    const service = new FakePushService();
    await new Promise<void>((resolve) => service.#server.listen(0, '127.0.0.1', resolve));
    const { port } = service.#server.address() as AddressInfo;
    service.#origin = `http://127.0.0.1:${port}`;
    return service;
  }

  get origin(): string {
    return this.#origin;
  }

  expectVapidKey(publicKey: string): void {
    this.#expectedKey = publicKey;
  }

  /** A new subscription, as a browser's pushManager.subscribe() makes one. */
  subscribe(): Subscriber {
    const receiver = newReceiver();
    const token = randomBytes(24).toString('base64url');
    const endpoint = `${this.#origin}/wpush/v2/${token}`;
    const subscriber: Subscriber = {
      endpoint,
      token,
      receiver,
      json: { endpoint, keys: { p256dh: b64(receiver.publicKey), auth: b64(receiver.auth) } },
      status: 201,
    };
    this.#subscribers.set(token, subscriber);
    return subscriber;
  }

  pushesFor(subscriber: Subscriber): ReceivedPush[] {
    return this.received.filter((push) => push.token === subscriber.token);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const token = /^\/wpush\/v2\/([A-Za-z0-9_-]+)$/.exec(request.url ?? '')?.[1];
    const subscriber = token === undefined ? undefined : this.#subscribers.get(token);
    const body = await readBody(request);
    if (request.method !== 'POST' || token === undefined || subscriber === undefined) {
      response.statusCode = 404;
      response.end();
      return;
    }
    const problem = await vapidProblem(
      request.headers.authorization,
      this.#expectedKey,
      this.#origin,
    );
    let plaintext: string | null = null;
    try {
      plaintext = new TextDecoder('utf-8', { fatal: true }).decode(
        await decryptPushMessage(body, subscriber.receiver),
      );
    } catch {
      plaintext = null;
    }
    const status = problem === null ? subscriber.status : 401;
    this.received.push({
      token,
      receivedAtMs: Date.now(),
      headers: request.headers,
      body,
      vapidProblem: problem,
      plaintext,
      answeredStatus: status,
    });
    response.statusCode = status;
    response.end();
  }
}
