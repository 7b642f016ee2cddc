import { Migrator, type Kysely, type MigrationResultSet } from 'kysely';
import { MIGRATIONS } from './migrations/index.js';
import { StorageError } from './storage-error.js';

export interface MigrationReport {
  readonly applied: readonly string[];
}

function migratorFor<DB>(db: Kysely<DB>, migrations = MIGRATIONS): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableName: 'amtsbote_migrations',
    migrationLockTableName: 'amtsbote_migrations_lock',
  });
}

function unwrap(result: MigrationResultSet): MigrationReport {
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new StorageError('migration_failed', `migration ${failed} failed`, {
      cause: result.error,
    });
  }
  return {
    applied: (result.results ?? [])
      .filter((r) => r.status === 'Success')
      .map((r) => r.migrationName),
  };
}

/** Brings the schema to the newest version. Each migration runs in its own transaction. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrationReport> {
  return unwrap(await migratorFor(db).migrateToLatest());
}

/** For migration tests: bring the schema to exactly the named migration. */
export async function migrateTo<DB>(db: Kysely<DB>, name: string): Promise<MigrationReport> {
  return unwrap(await migratorFor(db).migrateTo(name));
}
