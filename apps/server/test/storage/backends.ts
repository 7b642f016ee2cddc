import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { openStorage, type Storage, type StorageKind } from '../../src/storage/open-storage.js';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import { createTestDatabase } from '../support/postgres.js';

/** A store opened for one suite; close() also removes its data directory or drops its database. */
export interface OpenedStore {
  readonly storage: Storage;
  close(): Promise<void>;
}

export interface StorageBackend {
  readonly kind: StorageKind;
  /** Why this backend cannot run here, or null when it can. */
  readonly skipReason: string | null;
  /** Opens a fresh, empty store: no tables, no migrations applied. */
  openEmpty(): Promise<OpenedStore>;
}

const pglite: StorageBackend = {
  kind: 'pglite',
  skipReason: null,
  openEmpty: async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'amtsbote-storage-'));
    const storage = await openStorage({ kind: 'pglite', dataDir });
    return {
      storage,
      close: async () => {
        await storage.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgresSkipReason = POSTGRES_SKIP_REASON;

const postgres: StorageBackend = {
  kind: 'postgres',
  skipReason: postgresSkipReason,
  openEmpty: async () => {
    const database = await createTestDatabase();
    try {
      const storage = await openStorage({ kind: 'postgres', url: database.url });
      return {
        storage,
        close: async () => {
          await storage.close();
          await database.drop();
        },
      };
    } catch (error) {
      await database.drop();
      throw error;
    }
  },
};

export const STORAGE_BACKENDS: readonly StorageBackend[] = [pglite, postgres];

/**
 * Declares the same suite once per backend, so both report identical test names. A backend
 * that cannot run here is skipped with its reason in the suite title.
 */
export function describeEachBackend(unit: string, body: (backend: StorageBackend) => void): void {
  for (const backend of STORAGE_BACKENDS) {
    const title =
      backend.skipReason === null
        ? `${unit} on ${backend.kind}`
        : `${unit} on ${backend.kind} (skipped: ${backend.skipReason})`;
    describe.skipIf(backend.skipReason !== null)(title, () => {
      body(backend);
    });
  }
}

export interface SharedStore {
  /** The store, available inside tests and hooks. */
  (): Storage;
  /** The migrations applied when the store was opened. */
  readonly applied: () => readonly string[];
}

/**
 * One migrated store shared by every test of the enclosing describe: opening PGlite takes
 * seconds, so tests isolate themselves with fresh organizations instead of fresh databases.
 */
export function useMigratedStore(backend: StorageBackend): SharedStore {
  let opened: OpenedStore | null = null;
  let applied: readonly string[] = [];
  beforeAll(async () => {
    opened = await backend.openEmpty();
    applied = (await migrateToLatest(opened.storage.db)).applied;
  });
  afterAll(async () => {
    await opened?.close();
  });
  const store = (): Storage => {
    assert(opened !== null, 'the store is opened in beforeAll');
    return opened.storage;
  };
  return Object.assign(store, { applied: () => applied });
}
