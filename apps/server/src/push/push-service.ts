import { PUSH_WAKE_UP } from '@amtsbote/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock.js';
import { assertNever } from '../errors.js';
import type { Database } from '../storage/schema.js';
import { PUSH_COALESCE_WINDOW_MS, PushCoalescer } from './push-coalescer.js';
import type { PushOutcome, PushTarget } from './push-sender.js';
import {
  deleteGoneSubscription,
  findLiveSubscription,
  recordPushFailure,
  recordPushSuccess,
} from './push-subscriptions-store.js';

/*
 * Wakes devices that have no live connection (ADR 0015). Called from the delivery path, which
 * must not wait: wake() only queues. Pushes go out in the background, a few at a time, each
 * with a deadline; whatever happens to them, the event is stored and the device syncs it when
 * it connects. Logs carry device and subscription ids and status codes, never the endpoint,
 * keys or payload.
 */

/** Pushes in flight at once. */
export const PUSH_CONCURRENCY = 8;
/** Devices waiting for their push; beyond this a wake-up is dropped (and counted). */
export const MAX_QUEUED_PUSHES = 10_000;

/** The one plaintext every push carries: no ids, no content, no counts. */
const WAKE_UP_PLAINTEXT = new TextEncoder().encode(JSON.stringify(PUSH_WAKE_UP));

export interface PushTransport {
  send(target: PushTarget, plaintext: Uint8Array): Promise<PushOutcome>;
  close(): void;
}

export interface PushMetrics {
  readonly pushesSent: Counter;
  readonly pushesFailed: Counter<'reason'>;
}

export interface PushServiceOptions {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: PushMetrics;
  readonly transport: PushTransport;
  /** Whether the device has a live connection to this node (then it needs no push). */
  readonly isConnected: (deviceId: string) => boolean;
  readonly coalesceWindowMs?: number;
  readonly concurrency?: number;
}

export class PushService {
  readonly #options: PushServiceOptions;
  readonly #concurrency: number;
  readonly #coalescer: PushCoalescer;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #isClosed = false;
  /** One log line per overflow, not one per dropped wake-up. */
  #hasLoggedOverflow = false;

  constructor(options: PushServiceOptions) {
    this.#options = options;
    this.#concurrency = options.concurrency ?? PUSH_CONCURRENCY;
    this.#coalescer = new PushCoalescer({
      windowMs: options.coalesceWindowMs ?? PUSH_COALESCE_WINDOW_MS,
      emit: (deviceId) => {
        this.#enqueue(deviceId);
      },
      isStillWanted: (deviceId) => !options.isConnected(deviceId),
    });
  }

  /** Something arrived for these devices, which have no live connection. Never waits. */
  wake(deviceIds: readonly string[]): void {
    if (this.#isClosed) return;
    for (const deviceId of deviceIds) this.#coalescer.request(deviceId);
  }

  /** Stops taking wake-ups and waits for the pushes in flight (each has a deadline). */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#coalescer.close();
    this.#queue.length = 0;
    this.#queued.clear();
    await Promise.allSettled([...this.#inFlight]);
    this.#options.transport.close();
  }

  #enqueue(deviceId: string): void {
    if (this.#isClosed || this.#queued.has(deviceId)) return;
    if (this.#queue.length >= MAX_QUEUED_PUSHES) {
      this.#options.metrics.pushesFailed.inc({ reason: 'queue_full' });
      if (!this.#hasLoggedOverflow) {
        this.#hasLoggedOverflow = true;
        this.#options.logger.warn(
          { queued: this.#queue.length },
          'push queue full; wake-ups are dropped until it drains',
        );
      }
      return;
    }
    this.#queue.push(deviceId);
    this.#queued.add(deviceId);
    this.#drain();
  }

  #drain(): void {
    while (this.#inFlight.size < this.#concurrency) {
      const deviceId = this.#queue.shift();
      if (deviceId === undefined) {
        this.#hasLoggedOverflow = false;
        return;
      }
      this.#queued.delete(deviceId);
      const running: Promise<void> = this.#deliver(deviceId).finally(() => {
        this.#inFlight.delete(running);
        this.#drain();
      });
      this.#inFlight.add(running);
    }
  }

  async #deliver(deviceId: string): Promise<void> {
    const { db, clock, logger, metrics } = this.#options;
    try {
      // It may have connected while it waited: then it syncs by itself.
      if (this.#options.isConnected(deviceId)) return;
      const subscription = await findLiveSubscription(db, deviceId, clock.now());
      if (subscription === null) return;
      const outcome = await this.#options.transport.send(subscription, WAKE_UP_PLAINTEXT);
      const ids = { deviceId, subscriptionId: subscription.id };
      switch (outcome.kind) {
        case 'delivered':
          metrics.pushesSent.inc();
          await recordPushSuccess(db, subscription.id, clock.now());
          logger.debug({ ...ids, status: outcome.status }, 'push sent');
          return;
        case 'gone':
          metrics.pushesFailed.inc({ reason: 'gone' });
          await deleteGoneSubscription(db, subscription.id);
          logger.info({ ...ids, status: outcome.status }, 'push subscription gone; deleted');
          return;
        case 'rejected':
          metrics.pushesFailed.inc({ reason: 'rejected' });
          await recordPushFailure(db, subscription.id);
          logger.warn({ ...ids, status: outcome.status }, 'push refused by the push service');
          return;
        case 'failed':
          metrics.pushesFailed.inc({ reason: outcome.reason });
          await recordPushFailure(db, subscription.id);
          logger.warn({ ...ids, reason: outcome.reason }, 'push failed');
          return;
        default:
          assertNever(outcome);
      }
    } catch (error) {
      // The queries take ids only, so the error carries no endpoint or key.
      metrics.pushesFailed.inc({ reason: 'error' });
      logger.warn({ err: error, deviceId }, 'push failed');
    }
  }
}
