import {
  MessagingClient,
  type LocalStore,
  type MessagingClientOptions,
  type MessagingEvent,
} from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import { clientOptions, encryptedMemoryStore, type Person } from '../client/client-fixtures.js';
import type { TestServer } from '../support/test-server.js';

/*
 * One simulated device: a real MessagingClient on an encrypted in-memory store that outlives
 * the client, so the device can go offline (client closed) and come back (MessagingClient.open
 * on the same store). Everything the device's clients ever emitted is counted here, across
 * reopenings: how often each message was shown, and every event it could not decrypt.
 */

export type DeviceState = 'online' | 'offline' | 'revoked';

export interface SimUser {
  /** u0, u1, …: stable across runs of a seed (user ids are not). */
  readonly label: string;
  readonly person: Person;
  readonly devices: SimDevice[];
}

export interface DeviceSetup {
  readonly server: TestServer;
  readonly user: SimUser;
  readonly grant: SessionGrant;
  /** Connected over the WebSocket; otherwise the device syncs over HTTP only. */
  readonly isLive: boolean;
  /** An online device of the same user that approves the new one; null for the first. */
  readonly approver: SimDevice | null;
}

/** The new device asks the server often whether its link was approved. */
const LINK_POLL_INTERVAL_MS = 10;
/**
 * The run packs hours of messaging into minutes; the history backup's quiet time is scaled
 * up alike, so backups still happen but not after nearly every message.
 */
const HISTORY_BACKUP_DELAY_MS = 120_000;

export class SimDevice {
  readonly user: SimUser;
  readonly label: string;
  readonly grant: SessionGrant;
  readonly isLive: boolean;
  /** Per message id: how many 'message' events the device emitted for it. */
  readonly shownCount = new Map<string, number>();
  /** Every decrypt_failed event: its code, and where it happened. */
  readonly decryptFailures: { readonly code: string; readonly at: string }[] = [];
  /** Background tasks that failed (retried by the client; expected around server restarts). */
  engineErrors = 0;
  #state: DeviceState = 'offline';
  #client: MessagingClient | null = null;
  readonly #store: LocalStore;

  private constructor(setup: DeviceSetup, store: LocalStore) {
    this.user = setup.user;
    this.label = `${setup.user.label}/d${setup.user.devices.length}`;
    this.grant = setup.grant;
    this.isLive = setup.isLive;
    this.#store = store;
  }

  /**
   * A new device: the user's first makes the user's secrets; a later one shows a device link
   * that another device of the user approves, and receives them that way.
   */
  static async create(setup: DeviceSetup): Promise<SimDevice> {
    const device = new SimDevice(setup, await encryptedMemoryStore());
    const options = device.#options(setup.server);
    let client: MessagingClient;
    if (setup.approver === null) {
      client = await MessagingClient.bootstrap(options);
    } else {
      const link = await MessagingClient.requestDeviceLink(options);
      await setup.approver.client.approveDevice(link.code);
      client = await link.complete({ pollIntervalMs: LINK_POLL_INTERVAL_MS });
    }
    setup.user.devices.push(device);
    await device.#adopt(client);
    return device;
  }

  get deviceId(): string {
    return this.grant.device.id;
  }

  get userId(): string {
    return this.user.person.userId;
  }

  get token(): string {
    return this.grant.token;
  }

  get state(): DeviceState {
    return this.#state;
  }

  get isOnline(): boolean {
    return this.#state === 'online';
  }

  get client(): MessagingClient {
    if (this.#client === null) throw new Error(`${this.label} is ${this.#state}`);
    return this.#client;
  }

  /** Closes the client; the store (keys, groups, messages, outbox) stays for the return. */
  async goOffline(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (this.#state === 'online') this.#state = 'offline';
    await client?.close();
  }

  /** Opens the account on the same store and catches up (MessagingClient.open + start). */
  async reconnect(server: TestServer): Promise<void> {
    if (this.#state !== 'offline') throw new Error(`${this.label} is ${this.#state}`);
    await this.#adopt(await MessagingClient.open(this.#options(server)));
  }

  /** After the server revoked the device: its client is closed for good. */
  async markRevoked(): Promise<void> {
    await this.goOffline();
    this.#state = 'revoked';
  }

  async #adopt(client: MessagingClient): Promise<void> {
    client.subscribe((event) => this.#record(event));
    this.#client = client;
    this.#state = 'online';
    await client.start();
  }

  #options(server: TestServer): MessagingClientOptions {
    return {
      ...clientOptions(server, this.grant, this.#store, this.isLive),
      ciphersuite: 'classic',
      historyBackupDelayMs: HISTORY_BACKUP_DELAY_MS,
    };
  }

  #record(event: MessagingEvent): void {
    switch (event.type) {
      case 'message':
        this.shownCount.set(event.messageId, (this.shownCount.get(event.messageId) ?? 0) + 1);
        break;
      case 'decrypt_failed':
        this.decryptFailures.push({
          code: event.code,
          at: `${event.eventType} seq ${event.seq} of ${event.conversationId}`,
        });
        break;
      case 'engine_error':
        this.engineErrors++;
        break;
      default:
        break;
    }
  }
}
