import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PasswordHasherOptions } from '@amtsbote/crypto/node';
import type { DestinationStream, Logger } from 'pino';
import { AdminSocketServer } from './admin/admin-socket-server.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { BlobStore } from './files/blob-store.js';
import type { FilesContext } from './files/file-service.js';
import {
  FILE_SWEEP_INTERVAL_MS,
  startFileSweeper,
  sweepFiles,
  UPLOAD_EXPIRATION_MS,
} from './files/file-sweeper.js';
import { openBlobStore } from './files/open-blob-store.js';
import { transferNotifier } from './files/transfer-notices.js';
import { buildApp, type App } from './http/app.js';
import { createIdentityContext } from './identity/create-identity-context.js';
import type { IdentityContext } from './identity/identity-context.js';
import { startStorageMaintenance } from './storage/maintenance.js';
import { CursorWriter } from './messaging/cursor-writer.js';
import type { MessagingContext } from './messaging/messaging-context.js';
import {
  endRoutingOfDeadDevicesAtStart,
  endRoutingOfDeadDevicesOnRevocation,
} from './messaging/routing-cleanup.js';
import type { LoginThrottleOptions } from './identity/login-throttle.js';
import { issueSetupLinkIfNeeded, type SetupLink } from './identity/setup-service.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { openPush } from './push/open-push.js';
import { migrateToLatest } from './storage/migrate.js';
import { openStorage, type Storage } from './storage/open-storage.js';
import { ConnectionRegistry } from './ws/connection-registry.js';
import { WebsocketGateway } from './ws/websocket-gateway.js';

export interface ServerOptions {
  /** Where structured logs go; stdout by default. */
  readonly logDestination?: DestinationStream;
  /** Where the human-facing start banner (with the setup link) goes; stdout by default. */
  readonly console?: (line: string) => void;
  readonly clock?: Clock;
  readonly passwordHashing?: Partial<PasswordHasherOptions>;
  readonly loginThrottle?: LoginThrottleOptions;
  readonly authRateLimitPerMinute?: number;
  /** Tests that play many clients from one loopback address raise it; else the config's. */
  readonly rateLimitPerMinute?: number;
  readonly websocketLivenessIntervalMs?: number;
  /** How often expired uploads and orphaned blobs are swept; null: never (tests sweep directly). */
  readonly fileSweepIntervalMs?: number | null;
  /** At most one web push per device in this time (default PUSH_COALESCE_WINDOW_MS). */
  readonly pushCoalesceWindowMs?: number;
}

export interface ServerHandle {
  readonly url: string;
  readonly app: App;
  readonly storage: Storage;
  readonly blobStore: BlobStore;
  readonly identity: IdentityContext;
  readonly gateway: WebsocketGateway;
  readonly logger: Logger;
  readonly setupLink: SetupLink | null;
  /**
   * Graceful stop: refuse new work, close WebSockets (1001), finish requests, stop the file
   * sweeper, close the blob store and storage.
   */
  close(): Promise<void>;
}

/** AMTSBOTE_WEB_ROOT, else apps/web's Vite build; without one, apps/web (its placeholder page). */
function webRoot(configured: string | null): string {
  if (configured !== null) return configured;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.resolve(here, '../../web/dist');
  return existsSync(path.join(built, 'index.html')) ? built : path.resolve(here, '../../web');
}

/**
 * Connections the kernel queues before the server accepts them (capped by net.core.somaxconn).
 * Node's default of 511 overflows when thousands of devices reconnect at once after a network
 * outage or a restart; a dropped SYN is retried by the client only after a second or more.
 */
const LISTEN_BACKLOG = 4096;

/** The composition root: builds every dependency once and wires them together. */
export async function startServer(
  config: Config,
  options: ServerOptions = {},
): Promise<ServerHandle> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const print = options.console ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? systemClock;
  const storage = await openStorage(
    config.databaseUrl === null
      ? { kind: 'pglite', dataDir: config.dataDir }
      : {
          kind: 'postgres',
          url: config.databaseUrl,
          maxConnections: config.databaseMaxConnections,
        },
  );
  // What has been started, in the order it must stop: newest first, storage last.
  const stopSteps: Array<() => Promise<void>> = [() => storage.close()];
  const stopAll = async (): Promise<void> => {
    for (const step of stopSteps) await step();
  };
  try {
    const migration = await migrateToLatest(storage.db);
    if (migration.applied.length > 0)
      logger.info({ applied: migration.applied }, 'migrations applied');
    const maintenance = await startStorageMaintenance(storage, logger);
    stopSteps.unshift(() => maintenance.stop());
    const identity = createIdentityContext(storage, config, {
      clock,
      passwordHashing: options.passwordHashing,
      loginThrottle: options.loginThrottle,
    });
    const registry = new ConnectionRegistry();
    const metrics = createMetrics();
    const push = await openPush({
      config: config.push,
      dataDir: config.dataDir,
      db: storage.db,
      clock,
      newId: identity.newId,
      logger,
      metrics,
      connections: registry,
      sessionEvents: identity.events,
      ...(options.pushCoalesceWindowMs === undefined
        ? {}
        : { coalesceWindowMs: options.pushCoalesceWindowMs }),
    });
    // After the HTTP server and the WebSockets (which wake devices), before storage.
    stopSteps.unshift(() => push.close());
    const cursors = new CursorWriter(storage.db);
    // After the HTTP server and the WebSockets (which hand in acks), before storage.
    stopSteps.unshift(() => cursors.close());
    const messaging: MessagingContext = {
      db: storage.db,
      clock,
      newId: identity.newId,
      delivery: push.delivery,
      cursors,
      logger,
    };
    const blobStore = await openBlobStore(config.blobStore, { clock });
    // After the HTTP server (whose requests may still read or write blobs), before storage.
    stopSteps.unshift(() => blobStore.close());
    const files: FilesContext = {
      db: storage.db,
      clock,
      blobStore,
      uploads: blobStore.uploadStore({ expirationMs: UPLOAD_EXPIRATION_MS }),
      limits: { maxFileBytes: config.maxFileBytes, quotaBytes: config.fileQuotaBytes },
      notifyTransferDownloaded: transferNotifier(storage.db, registry),
    };
    const fileSweepIntervalMs =
      options.fileSweepIntervalMs === undefined
        ? FILE_SWEEP_INTERVAL_MS
        : options.fileSweepIntervalMs;
    if (fileSweepIntervalMs !== null) {
      const sweeper = startFileSweeper({
        sweep: (now) => sweepFiles(files, now),
        clock,
        logger,
        intervalMs: fileSweepIntervalMs,
      });
      // Before the blob store and storage close: a running sweep uses both.
      stopSteps.unshift(() => sweeper.stop());
    }
    await endRoutingOfDeadDevicesAtStart(messaging);
    const stopRoutingCleanup = endRoutingOfDeadDevicesOnRevocation(messaging, identity.events);
    stopSteps.unshift(() => {
      stopRoutingCleanup();
      return Promise.resolve();
    });
    const publicOrigin = new URL(config.publicUrl).origin;
    const app = await buildApp({
      logger,
      storage,
      identity,
      messaging,
      files,
      push: push.context,
      metrics,
      trustProxy: config.trustProxy,
      webRoot: webRoot(config.webRoot),
      historyQuotaBytes: config.historyQuotaBytes,
      ...(options.authRateLimitPerMinute === undefined
        ? {}
        : { authRateLimitPerMinute: options.authRateLimitPerMinute }),
      rateLimitPerMinute: options.rateLimitPerMinute ?? config.rateLimitPerMinute,
    });
    const gateway = new WebsocketGateway({
      identity,
      messaging,
      registry,
      metrics,
      logger,
      allowedOrigins: [publicOrigin],
      ...(options.websocketLivenessIntervalMs === undefined
        ? {}
        : { livenessIntervalMs: options.websocketLivenessIntervalMs }),
    });
    stopSteps.unshift(() => app.close());
    gateway.attach(app.server);
    stopSteps.unshift(() => {
      gateway.close();
      return Promise.resolve();
    });
    // The admin socket first: it refuses to start when another server uses the data directory.
    const adminSocket = new AdminSocketServer({ identity, logger, dataDir: config.dataDir });
    await adminSocket.listen();
    stopSteps.splice(1, 0, () => adminSocket.close());
    await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${port}`;
    logger.info({ url, storage: storage.kind }, 'amtsbote started');

    const setupLink = await issueSetupLinkIfNeeded(identity);
    print(
      `Amtsbote is running at ${url} (storage: ${storage.kind === 'pglite' ? `embedded, ${config.dataDir}` : 'PostgreSQL'})`,
    );
    if (setupLink !== null) {
      print('');
      print(
        'First start: open this one-time link to create the organization and its first administrator:',
      );
      print(`  ${setupLink.url}`);
      print(
        `The link is valid until ${setupLink.expiresAt.toISOString()}; a restart makes a new one.`,
      );
      print('');
    }

    let closing: Promise<void> | null = null;
    return {
      url,
      app,
      storage,
      blobStore,
      identity,
      gateway,
      logger,
      setupLink,
      close: () =>
        (closing ??= (async () => {
          await stopAll();
          logger.info('amtsbote stopped');
        })()),
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
