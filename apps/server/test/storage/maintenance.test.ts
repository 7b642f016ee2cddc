import { sql } from 'kysely';
import pino from 'pino';
import { expect, it } from 'vitest';
import { startStorageMaintenance } from '../../src/storage/maintenance.js';
import { describeEachBackend, useMigratedStore } from './backends.js';
import { addOrganization, addUser } from './rows.js';

const silent = pino({ level: 'silent' });

describeEachBackend('storage maintenance', (backend) => {
  const store = useMigratedStore(backend);

  const usersStatistics = async () => {
    const { rows } = await sql<{ tuples: number; analyzed: boolean; vacuumed: boolean }>`
      select c.reltuples::float8 as tuples,
        (s.last_analyze is not null) as analyzed,
        (s.last_vacuum is not null) as vacuumed
      from pg_class c join pg_stat_user_tables s on s.relid = c.oid
      where c.relname = 'users'`.execute(store().db);
    const row = rows[0];
    if (row === undefined) throw new Error('no users table');
    return row;
  };

  it('gives the planner statistics of the tables as they are when the server starts', async () => {
    const organization = await addOrganization(store().db);
    for (let i = 0; i < 30; i += 1) await addUser(store().db, organization.id);
    expect((await usersStatistics()).analyzed).toBe(false);

    const maintenance = await startStorageMaintenance(store(), silent, 60_000);
    await maintenance.stop();

    const statistics = await usersStatistics();
    expect(statistics.analyzed).toBe(true);
    expect(statistics.tuples).toBeGreaterThanOrEqual(30);
  });

  it('vacuums PGlite, which has no autovacuum, every interval; PostgreSQL vacuums itself', async () => {
    const maintenance = await startStorageMaintenance(store(), silent, 20);
    try {
      if (backend.kind === 'pglite') {
        await expect
          .poll(async () => (await usersStatistics()).vacuumed, { timeout: 10_000 })
          .toBe(true);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 200));
        // last_vacuum is a manual VACUUM's; autovacuum sets last_autovacuum.
        expect((await usersStatistics()).vacuumed).toBe(false);
      }
    } finally {
      await maintenance.stop();
    }
  });
});
