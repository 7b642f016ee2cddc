/*
 * The accounts of a load run, written straight into the server's storage before the server
 * starts: one organization, N users with one device and one live session each. Only the accounts
 * are made this way, because a real sign-in hashes a password with argon2id (about 0.1 s of CPU
 * each, minutes for 12,500) and that is not what the load scenarios measure. Everything after it
 * (conversations, commits, sessions on the WebSocket, messages) goes through the server's real
 * HTTP and WebSocket protocol. Session tokens are stored as the server stores them: SHA-256,
 * never the token.
 * Uses the BUILT server's storage module and migrations, so the schema is the one that ships.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BATCH = 500;

async function serverModule(path) {
  return import(join(ROOT, 'apps/server/dist', path));
}

const tokenHash = (token) => createHash('sha256').update(token).digest('base64url');

function rows(count, organizationId, now) {
  const users = [];
  const devices = [];
  const sessions = [];
  const accounts = [];
  const expires = new Date(now.getTime() + 30 * 24 * 3600_000);
  for (let i = 0; i < count; i += 1) {
    const userId = randomUUID();
    const deviceId = randomUUID();
    const token = randomBytes(32).toString('base64url');
    const username = `load-${String(i).padStart(6, '0')}`;
    users.push({
      id: userId,
      organization_id: organizationId,
      username,
      username_key: username,
      display_name: `Load ${i}`,
      department: null,
      role: 'member',
      status: 'active',
      // No password: these accounts never sign in, they come with a session.
      password_hash: null,
      require_passkey: false,
      created_at: now,
      updated_at: now,
    });
    devices.push({
      id: deviceId,
      organization_id: organizationId,
      user_id: userId,
      name: 'load client',
      platform: 'bench',
      kind: 'managed',
      created_at: now,
      last_seen_at: now,
      revoked_at: null,
    });
    sessions.push({
      id: randomUUID(),
      organization_id: organizationId,
      user_id: userId,
      device_id: deviceId,
      token_hash: tokenHash(token),
      created_at: now,
      last_used_at: now,
      expires_at: expires,
      ended_at: null,
    });
    accounts.push({ userId, deviceId, token });
  }
  return { users, devices, sessions, accounts };
}

async function insertAll(db, table, values) {
  for (let start = 0; start < values.length; start += BATCH) {
    await db
      .insertInto(table)
      .values(values.slice(start, start + BATCH))
      .execute();
  }
}

/**
 * Migrates the storage (`{ kind: 'pglite', dataDir }` or `{ kind: 'postgres', url }`) and adds
 * `count` accounts; returns `{ organizationId, accounts: [{ userId, deviceId, token }] }`.
 */
export async function seedAccounts(storageOptions, count) {
  const { openStorage } = await serverModule('storage/open-storage.js');
  const { migrateToLatest } = await serverModule('storage/migrate.js');
  const storage = await openStorage(
    storageOptions.kind === 'pglite'
      ? storageOptions
      : { kind: 'postgres', url: storageOptions.url, maxConnections: 2 },
  );
  try {
    await migrateToLatest(storage.db);
    const now = new Date();
    const organizationId = randomUUID();
    const seeded = rows(count, organizationId, now);
    await storage.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('organizations')
        .values({ id: organizationId, slug: 'last', name: 'Lasttest', created_at: now })
        .execute();
      await insertAll(tx, 'users', seeded.users);
      await insertAll(tx, 'devices', seeded.devices);
      await insertAll(tx, 'sessions', seeded.sessions);
    });
    return { organizationId, accounts: seeded.accounts };
  } finally {
    await storage.close();
  }
}
