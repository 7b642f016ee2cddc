import { vapidKeyResponseSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import type { HttpApi } from './http-api.js';

/*
 * The device's web push subscription (ADR 0015). The web app subscribes its service worker with
 * the server's VAPID key and hands the subscription here; the server then wakes this device
 * with a content-free push when something arrives while it has no connection.
 */

/** The shape of the browser's PushSubscription.toJSON(). */
export interface PushSubscriptionJson {
  readonly endpoint?: string;
  readonly expirationTime?: number | null;
  readonly keys?: Readonly<Record<string, string>>;
}

const noContentSchema = z.null();

export class PushApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  /** The server's VAPID public key, base64url: the applicationServerKey to subscribe with. */
  async vapidKey(): Promise<string> {
    return (
      await this.#http.request('GET', '/api/push/vapid-key', undefined, vapidKeyResponseSchema)
    ).publicKey;
  }

  /**
   * Stores this device's subscription, replacing its earlier one. The server refuses (400,
   * push_subscription_invalid or invalid_request, with fields) what it cannot use.
   */
  async subscribe(subscription: PushSubscriptionJson): Promise<void> {
    await this.#http.request(
      'PUT',
      '/api/push/subscription',
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.keys?.['p256dh'], auth: subscription.keys?.['auth'] },
      },
      noContentSchema,
    );
  }

  /** Deletes this device's subscription; nothing happens when it has none. */
  async unsubscribe(): Promise<void> {
    await this.#http.request('DELETE', '/api/push/subscription', undefined, noContentSchema);
  }
}
