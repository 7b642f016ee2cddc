import { listConversationsResponseSchema, type ConversationView } from '@amtsbote/protocol';
import pg from 'pg';
import { newPerson, signIn } from '../client/client-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  setupFirstOrganization,
  startTestServer,
  type Backend,
  type TestServer,
  type TestServerOptions,
} from '../support/test-server.js';
import { SimDevice, type SimUser } from './sim-device.js';

/*
 * The simulated organisation: one real server whose data survives restarts on the same port
 * (PGlite in a data directory, or a PostgreSQL database), its users and their devices. The conversation views
 * are read through the server's HTTP API with the token of u0, who is a member of every
 * conversation the simulation creates and is never removed.
 */

/**
 * A PostgreSQL database of the run's own that does not wait for the disk at each commit:
 * PostgreSQL keeps running across the Amtsbote server's restarts, so nothing the simulation
 * checks depends on it, and the run is not held up by fsync.
 */
async function fastDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    const name = client.escapeIdentifier(new URL(database.url).pathname.slice(1));
    await client.query(`alter database ${name} set synchronous_commit = off`);
  } catch (error) {
    await database.drop();
    throw error;
  } finally {
    await client.end();
  }
  return database;
}

function serverOptions(storage: Storage, env: Record<string, string>): TestServerOptions {
  const { dataDir, database } = storage;
  return {
    dataDir,
    env: database === null ? env : { ...env, AMTSBOTE_DATABASE_URL: database.url },
    // The simulation plays many clients from one loopback address.
    authRateLimitPerMinute: 1_000_000,
    rateLimitPerMinute: 1_000_000,
  };
}

/** Where the server keeps its data: PGlite in the data directory, or a PostgreSQL database. */
interface Storage {
  readonly dataDir: string;
  /** AMTSBOTE_DATABASE_URL of the run's own PostgreSQL database, null for PGlite. */
  readonly database: TestDatabase | null;
}

export class SimWorld {
  readonly users: SimUser[] = [];
  readonly adminToken: string;
  readonly #storage: Storage;
  #server: TestServer;

  private constructor(server: TestServer, storage: Storage, adminToken: string) {
    this.#server = server;
    this.#storage = storage;
    this.adminToken = adminToken;
  }

  /**
   * A new organisation on a new server. The data outlives server restarts: PGlite keeps it in
   * the data directory; with PostgreSQL the run creates its own database and drops it at close.
   */
  static async start(dataDir: string, backend: Backend): Promise<SimWorld> {
    const storage = {
      dataDir,
      database: backend === 'postgres' ? await fastDatabase() : null,
    };
    const server = await startTestServer(serverOptions(storage, {}));
    const admin = await setupFirstOrganization(server);
    return new SimWorld(server, storage, admin.token);
  }

  get server(): TestServer {
    return this.#server;
  }

  /** Stops the server (WebSockets closed with 1001) and starts it again on the same port. */
  async restartServer(): Promise<void> {
    const port = new URL(this.#server.baseUrl).port;
    await this.#server.close();
    this.#server = await startTestServer(serverOptions(this.#storage, { AMTSBOTE_PORT: port }));
  }

  async close(): Promise<void> {
    try {
      for (const device of this.devices()) await device.goOffline();
      await this.#server.close();
    } finally {
      await this.#storage.database?.drop();
    }
  }

  async addUser(label: string): Promise<SimUser> {
    const user: SimUser = {
      label,
      person: await newPerson(this.#server, label),
      devices: [],
    };
    this.users.push(user);
    return user;
  }

  /**
   * A password login of the user, set up and started: the first device makes the user's
   * secrets, a later one is approved by another device of the user (brought online for it).
   */
  async addDevice(user: SimUser, isLive: boolean): Promise<SimDevice> {
    const grant = await signIn(this.#server, user.person);
    const live = user.devices.filter((d) => d.state !== 'revoked');
    const approver = live.find((d) => d.isOnline) ?? live[0] ?? null;
    if (approver?.state === 'offline') await approver.reconnect(this.#server);
    return SimDevice.create({ server: this.#server, user, grant, isLive, approver });
  }

  /** Every device ever created, revoked ones included. */
  devices(): SimDevice[] {
    return this.users.flatMap((u) => u.devices);
  }

  liveDevices(): SimDevice[] {
    return this.devices().filter((d) => d.state !== 'revoked');
  }

  device(deviceId: string): SimDevice | undefined {
    return this.devices().find((d) => d.deviceId === deviceId);
  }

  user(userId: string): SimUser {
    const user = this.users.find((u) => u.person.userId === userId);
    if (user === undefined) throw new Error(`unknown user ${userId}`);
    return user;
  }

  /** The observer: the conversation views as u0 sees them (u0 is in every conversation). */
  async conversationViews(): Promise<ConversationView[]> {
    const observer = this.users[0]?.devices.find((d) => d.state !== 'revoked');
    if (observer === undefined) throw new Error('u0 has no live device left');
    const { conversations } = await this.#server
      .api(observer.token)
      .request('GET', '/api/conversations', undefined, listConversationsResponseSchema);
    return conversations;
  }
}
