import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PushConfig } from '../config.js';
import type { SessionEvents } from '../identity/session-events.js';
import type { Delivery } from '../messaging/delivery.js';
import type { Metrics } from '../observability/metrics.js';
import type { Database } from '../storage/schema.js';
import {
  deleteDeadSubscriptionsAtStart,
  deleteDeadSubscriptionsOnSessionEvents,
} from './push-cleanup.js';
import { PushSender } from './push-sender.js';
import { PUSH_CONCURRENCY, PushService } from './push-service.js';
import type { PushContext } from './push-subscription-service.js';
import { loadVapidSigner } from './vapid-key-file.js';
import { WakingDelivery, type ConnectedDelivery } from './waking-delivery.js';

export interface PushDependencies {
  readonly config: PushConfig;
  readonly dataDir: string;
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly connections: ConnectedDelivery;
  readonly sessionEvents: SessionEvents;
  readonly coalesceWindowMs?: number;
}

export interface Push {
  /** The connections, and web push for devices without one (or the connections alone). */
  readonly delivery: Delivery;
  readonly context: PushContext;
  /** Stops the cleanup and the pushes; before storage closes. */
  close(): Promise<void>;
}

/** Builds web push for the composition root: on when a VAPID key is at hand, else off. */
export async function openPush(deps: PushDependencies): Promise<Push> {
  const { config, logger } = deps;
  const policy = { allowLoopback: config.allowLoopback };
  if (config.allowLoopback) {
    logger.warn(
      'AMTSBOTE_PUSH_ALLOW_LOOPBACK is on: push endpoints on loopback are accepted (tests only)',
    );
  }
  const signer = await loadVapidSigner({
    config,
    dataDir: deps.dataDir,
    clock: deps.clock,
    logger,
  });
  await deleteDeadSubscriptionsAtStart(deps);
  const stopCleanup = deleteDeadSubscriptionsOnSessionEvents(deps, deps.sessionEvents);
  const context: PushContext = {
    db: deps.db,
    clock: deps.clock,
    newId: deps.newId,
    policy,
    vapidPublicKey: signer?.publicKey ?? null,
  };
  if (signer === null) {
    return {
      delivery: deps.connections,
      context,
      close: () => {
        stopCleanup();
        return Promise.resolve();
      },
    };
  }
  if (config.vapidSubject === null) {
    logger.warn(
      'AMTSBOTE_VAPID_SUBJECT is not set and the public URL is not https: push services may refuse pushes without a contact',
    );
  }
  const service = new PushService({
    db: deps.db,
    clock: deps.clock,
    logger,
    metrics: deps.metrics,
    transport: new PushSender({
      signer,
      subject: config.vapidSubject,
      policy,
      clock: deps.clock,
      maxSockets: PUSH_CONCURRENCY,
    }),
    isConnected: (deviceId) => deps.connections.isConnected(deviceId),
    ...(deps.coalesceWindowMs === undefined ? {} : { coalesceWindowMs: deps.coalesceWindowMs }),
  });
  return {
    delivery: new WakingDelivery(deps.connections, service),
    context,
    close: async () => {
      stopCleanup();
      await service.close();
    },
  };
}
