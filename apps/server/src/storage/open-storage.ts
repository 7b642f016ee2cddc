import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { acquireDirectoryLock, type DirectoryLock } from './directory-lock.js';
import { preparingPool } from './preparing-pool.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';
import { StorageError } from './storage-error.js';

export type StorageKind = 'pglite' | 'postgres';

export interface Storage {
  readonly kind: StorageKind;
  readonly db: Kysely<Database>;
  /** Resolves when the database answers a trivial query within the timeout. */
  ping(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export type StorageOptions =
  | { readonly kind: 'pglite'; readonly dataDir: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly maxConnections?: number };

// pg returns int8 as text to keep precision; our int8 columns (counters) fit a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export async function openStorage(options: StorageOptions): Promise<Storage> {
  return options.kind === 'pglite'
    ? openPGlite(options.dataDir)
    : openPostgres(options.url, options.maxConnections ?? 10);
}

async function openPGlite(dataDir: string): Promise<Storage> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock: DirectoryLock = await acquireDirectoryLock(path.join(dataDir, 'pglite.lock'));
  let client: PGlite;
  try {
    client = await PGlite.create(path.join(dataDir, 'pg'), {
      parsers: { 20: (value: string) => Number(value) },
    });
  } catch (error) {
    await lock.release();
    throw new StorageError('unreachable', 'the embedded database could not be opened', {
      cause: error,
    });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return {
    kind: 'pglite',
    db,
    ping: (timeoutMs) => ping(db, timeoutMs),
    close: async () => {
      await db.destroy();
      await lock.release();
    },
  };
}

async function openPostgres(url: string, maxConnections: number): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections });
  // An idle client that loses its connection emits here; without a listener the process dies.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new StorageError('unreachable', 'PostgreSQL could not be reached', { cause: error });
  }
  return {
    kind: 'postgres',
    db,
    ping: (timeoutMs) => ping(db, timeoutMs),
    close: () => db.destroy(),
  };
}

async function ping(db: Kysely<Database>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      sql`select 1`.execute(db).then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
