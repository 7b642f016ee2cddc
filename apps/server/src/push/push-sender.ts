import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock.js';
import { checkEndpoint, guardedLookup, type EndpointPolicy } from './push-endpoint.js';
import { vapidAuthorization, type VapidSigner } from './vapid.js';
import { encryptPushMessageOnce, type SubscriptionKeys } from './web-push-encryption.js';

/*
 * One push message to one subscription (RFC 8030 section 5): encrypted (RFC 8291), signed
 * (RFC 8292), POSTed with a deadline to the endpoint, whose host is checked again before the
 * connection. No redirects are followed; the answer's body is never read.
 */

/** The longest a push service may take to answer. */
export const PUSH_TIMEOUT_MS = 10_000;
/** How long the push service keeps a message for a device that is off (RFC 8030 TTL). */
export const PUSH_TTL_SECONDS = 24 * 3600;
/**
 * RFC 8030 section 5.4: a newer message with the same topic replaces one the push service
 * still holds, so an offline device finds one wake-up rather than a pile.
 */
export const PUSH_TOPIC = 'amtsbote-activity';
/** RFC 8030 section 5.3 names "incoming chat message" as the example of normal urgency. */
export const PUSH_URGENCY = 'normal';

export interface PushTarget extends SubscriptionKeys {
  readonly endpoint: string;
}

/** What became of a push; `status` is the push service's HTTP status. */
export type PushOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  /** 404 or 410: the subscription has expired or was withdrawn; it is deleted. */
  | { readonly kind: 'gone'; readonly status: number }
  | { readonly kind: 'rejected'; readonly status: number }
  | { readonly kind: 'failed'; readonly reason: PushFailureReason };

export type PushFailureReason =
  'timeout' | 'network' | 'endpoint_refused' | 'address_refused' | 'invalid_keys';

export interface PushSenderOptions {
  readonly signer: VapidSigner;
  /** The VAPID "sub" claim; null leaves it out. */
  readonly subject: string | null;
  readonly policy: EndpointPolicy;
  readonly clock: Clock;
  readonly timeoutMs?: number;
  /** Connections kept per push service host. */
  readonly maxSockets: number;
}

export class PushSender {
  readonly #options: PushSenderOptions;
  readonly #timeoutMs: number;
  // Own agents: pooled connections are ones whose addresses guardedLookup checked.
  readonly #httpsAgent: https.Agent;
  readonly #httpAgent: http.Agent;

  constructor(options: PushSenderOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? PUSH_TIMEOUT_MS;
    this.#httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /** Sends the plaintext to the target. Never throws: every failure is an outcome. */
  async send(target: PushTarget, plaintext: Uint8Array): Promise<PushOutcome> {
    const checked = checkEndpoint(target.endpoint, this.#options.policy);
    if (!checked.isAllowed) return { kind: 'failed', reason: 'endpoint_refused' };
    const url = checked.url;
    let body: Uint8Array;
    try {
      body = encryptPushMessageOnce(plaintext, target);
    } catch {
      return { kind: 'failed', reason: 'invalid_keys' };
    }
    const authorization = vapidAuthorization(this.#options.signer, {
      audience: url.origin,
      subject: this.#options.subject,
      now: this.#options.clock.now(),
    });
    let status: number;
    try {
      status = await this.#post(url, body, authorization);
    } catch (error) {
      return { kind: 'failed', reason: failureReason(error) };
    }
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    if (status === 404 || status === 410) return { kind: 'gone', status };
    return { kind: 'rejected', status };
  }

  close(): void {
    this.#httpsAgent.destroy();
    this.#httpAgent.destroy();
  }

  #post(url: URL, body: Uint8Array, authorization: string): Promise<number> {
    const isHttps = url.protocol === 'https:';
    const options: http.RequestOptions = {
      method: 'POST',
      agent: isHttps ? this.#httpsAgent : this.#httpAgent,
      lookup: guardedLookup(this.#options.policy),
      signal: AbortSignal.timeout(this.#timeoutMs),
      headers: {
        authorization,
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
        ttl: String(PUSH_TTL_SECONDS),
        topic: PUSH_TOPIC,
        urgency: PUSH_URGENCY,
      },
    };
    return new Promise((resolve, reject) => {
      const onResponse = (response: http.IncomingMessage): void => {
        // The body is of no use; draining it lets the connection be reused. The deadline's
        // signal still ends a body that never ends.
        response.on('error', () => undefined);
        response.resume();
        resolve(response.statusCode ?? 0);
      };
      const request = isHttps
        ? https.request(url, options, onResponse)
        : http.request(url, options, onResponse);
      request.on('error', reject);
      request.end(body);
    });
  }
}

function failureReason(error: unknown): PushFailureReason {
  if (!(error instanceof Error)) return 'network';
  if ('code' in error && error.code === 'address_refused') return 'address_refused';
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'timeout';
  return 'network';
}
