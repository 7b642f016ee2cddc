import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import {
  describeLaterMigrations,
  insertOrganization,
  insertUser,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0015-liveness-indexes';
const BEFORE = previousMigration(MIGRATION);

const INDEXES = ['devices_revoked_at', 'sessions_ended_at', 'users_inactive_updated_at'] as const;

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const organizationId = await insertOrganization(db);
      await insertUser(db, { organizationId, status: 'disabled' });
      await insertUser(db, { organizationId });
    },
  });
  const { db } = bed;

  const indexes = async (): Promise<Record<string, string>> => {
    const { rows } = await sql<{ indexname: string; indexdef: string }>`
      select indexname, indexdef from pg_indexes
      where schemaname = 'public' and indexname in (${sql.join([...INDEXES])})
      order by indexname`.execute(db());
    return Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
  };

  it('indexes only the ended sessions, revoked devices and inactive users, by time', async () => {
    const found = await indexes();
    expect(Object.keys(found)).toEqual([...INDEXES]);
    expect(found.sessions_ended_at).toMatch(/\(ended_at\) WHERE \(ended_at IS NOT NULL\)/);
    expect(found.devices_revoked_at).toMatch(/\(revoked_at\) WHERE \(revoked_at IS NOT NULL\)/);
    expect(found.users_inactive_updated_at).toMatch(
      /\(updated_at\) WHERE \(status <> 'active'::text\)/,
    );
  });

  it('is undone by its down migration, which drops only its indexes', async () => {
    await migrateTo(db(), BEFORE);
    expect(await indexes()).toEqual({});
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(db());
    expect(rows[0]?.n).toBe(2);
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
