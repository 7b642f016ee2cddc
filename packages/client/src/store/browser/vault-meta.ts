import { WRAPPED_VAULT_KEY_BYTES } from '@amtsbote/crypto';
import { openDB, type IDBPDatabase } from 'idb';
import { z } from 'zod';
import { databaseExists } from './idb-databases.js';
import { VaultError } from './vault-error.js';

/*
 * The vault's record: its id, the wrapped vault key per unlock method and the failed-PIN
 * counter. It lives in its own database, `${name}-meta`, beside the store's `${name}`:
 *  - the store's database stays a plain LocalStore of the client's collections, nothing else;
 *  - the counter is read and updated before the vault key exists, without opening the store;
 *  - a wipe deletes the record first: without the wraps the store is ciphertext no one can open,
 *    so a wipe cut short after that step has already destroyed the data.
 *
 * IndexedDB is a boundary input: the record is parsed with its schema on every read (and every
 * write, so nothing is stored that could not be read back).
 */

export const VAULT_META_VERSION = 1;
export const META_DATABASE_SUFFIX = '-meta';
/** WebAuthn credential ids have at most 1023 bytes. */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
/** The failed-attempt counter stops here (attempts in flight at once may pass maxFailedAttempts). */
export const FAILED_ATTEMPTS_CEILING = 1_000;

const META_DATABASE_VERSION = 1;
const META_STORE = 'meta';
const META_KEY = 'vault';

const bytes = (minBytes: number, maxBytes: number): z.ZodType<Uint8Array> =>
  z.instanceof(Uint8Array).refine((value) => value.length >= minBytes && value.length <= maxBytes, {
    message: `expected ${minBytes} to ${maxBytes} bytes`,
  });

const wrappedKeySchema = bytes(WRAPPED_VAULT_KEY_BYTES, WRAPPED_VAULT_KEY_BYTES);

const vaultMetaSchema = z.strictObject({
  version: z.literal(VAULT_META_VERSION),
  vaultId: z.uuid(),
  createdAtMs: z.int().nonnegative(),
  wraps: z.strictObject({
    /** The vault key wrapped under the PIN (or passphrase). */
    pin: wrappedKeySchema,
    /** The vault key wrapped under a passkey's PRF output, with the passkey's credential id. */
    prf: z
      .strictObject({
        credentialId: bytes(1, MAX_CREDENTIAL_ID_BYTES),
        wrap: wrappedKeySchema,
      })
      .nullable(),
  }),
  /** Failed PIN attempts since the last unlock; counted before each attempt is checked. */
  failedAttempts: z.int().min(0).max(FAILED_ATTEMPTS_CEILING),
  /** No PIN attempt is taken before this time (ms since the epoch, the vault's clock). */
  lockedUntilMs: z.int().nonnegative().nullable(),
});
export type VaultMeta = z.infer<typeof vaultMetaSchema>;

export function metaDatabaseName(name: string): string {
  return name + META_DATABASE_SUFFIX;
}

function parseMeta(name: string, value: unknown): VaultMeta {
  const parsed = vaultMetaSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues
    .map(
      (issue) => `${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`,
    )
    .join('; ');
  throw new VaultError('vault_corrupt', `the record of vault ${name} is damaged: ${fields}`, {
    cause: parsed.error,
  });
}

/** A short-lived connection: it closes itself when a wipe or an upgrade asks for the database. */
async function openMeta(name: string): Promise<IDBPDatabase> {
  return openDB(metaDatabaseName(name), META_DATABASE_VERSION, {
    upgrade(database) {
      database.createObjectStore(META_STORE);
    },
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

async function withMeta<T>(name: string, use: (db: IDBPDatabase) => Promise<T>): Promise<T> {
  let db: IDBPDatabase | null = null;
  try {
    db = await openMeta(name);
    return await use(db);
  } catch (error) {
    if (error instanceof VaultError) throw error;
    throw new VaultError('storage_failed', `IndexedDB refused the record of vault ${name}`, {
      cause: error,
    });
  } finally {
    db?.close();
  }
}

/** The vault's record, or null when there is none. Never creates the database. */
export async function readVaultMeta(name: string): Promise<VaultMeta | null> {
  if (!(await databaseExists(metaDatabaseName(name)))) return null;
  return withMeta(name, async (db) => {
    const value: unknown = await db.get(META_STORE, META_KEY);
    return value === undefined ? null : parseMeta(name, value);
  });
}

/** Stores the record of a new vault; 'vault_exists' when one is there already. */
export async function addVaultMeta(name: string, meta: VaultMeta): Promise<void> {
  const checked = parseMeta(name, meta);
  await withMeta(name, async (db) => {
    const transaction = db.transaction(META_STORE, 'readwrite', { durability: 'strict' });
    try {
      await Promise.all([transaction.store.add(checked, META_KEY), transaction.done]);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'ConstraintError') {
        throw new VaultError('vault_exists', `vault ${name} exists`, { cause: error });
      }
      throw error;
    }
  });
}

/**
 * Reads, changes and writes the record in one IndexedDB transaction, so two tabs (or two calls)
 * never lose each other's count. `change` runs synchronously inside the transaction; what it
 * throws is rethrown and nothing is written.
 */
export async function updateVaultMeta(
  name: string,
  change: (meta: VaultMeta) => VaultMeta,
): Promise<VaultMeta> {
  return withMeta(name, async (db) => {
    const transaction = db.transaction(META_STORE, 'readwrite', { durability: 'strict' });
    const value: unknown = await transaction.store.get(META_KEY);
    if (value === undefined) throw new VaultError('vault_not_found', `vault ${name} is gone`);
    const next = parseMeta(name, change(parseMeta(name, value)));
    await Promise.all([transaction.store.put(next, META_KEY), transaction.done]);
    return next;
  });
}
