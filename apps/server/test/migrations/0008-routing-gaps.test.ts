import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertDevice,
  insertOrganization,
  insertUser,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0008-routing-gaps';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const ids = {
    organizationId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    conversationId: randomUUID(),
  };
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const { organizationId, userId, deviceId, conversationId } = ids;
      await insertOrganization(db, { id: organizationId });
      await insertUser(db, { id: userId, organizationId });
      await insertDevice(db, { id: deviceId, organizationId, userId });
      await insertConversation(db, { id: conversationId, organizationId, lastSeq: 9 });
      await sql`insert into conversation_devices
          (conversation_id, device_id, user_id, from_seq, until_seq, acked_seq)
        values (${conversationId}, ${deviceId}, ${userId}, 1, null, 2)`.execute(db);
    },
  });
  const { db, run } = bed;

  const addGap = (deviceId: string, afterSeq: number, untilSeq: number) =>
    run(sql`insert into routing_gaps (conversation_id, device_id, after_seq, until_seq)
      values (${ids.conversationId}, ${deviceId}, ${afterSeq}, ${untilSeq})`);
  const gapCount = async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from routing_gaps`.execute(db());
    return rows[0]?.n;
  };

  it('adds routing_gaps: a stretch of a routed device’s log it does not receive', async () => {
    expect(await describeColumns(db(), 'routing_gaps')).toEqual([
      'conversation_id uuid not null',
      'device_id uuid not null',
      'after_seq bigint not null',
      'until_seq bigint not null',
    ]);
    await addGap(ids.deviceId, 4, 7);
    expect(await gapCount()).toBe(1);
  });

  it('refuses an empty or negative stretch and a device never routed in the conversation', async () => {
    await expect(addGap(ids.deviceId, 8, 8)).rejects.toMatchObject({ code: CHECK_VIOLATION });
    await expect(addGap(ids.deviceId, -1, 3)).rejects.toMatchObject({ code: CHECK_VIOLATION });
    await expect(addGap(randomUUID(), 4, 7)).rejects.toMatchObject({
      code: FOREIGN_KEY_VIOLATION,
    });
  });

  it('goes with the routing row it belongs to', async () => {
    await run(sql`delete from conversation_devices where device_id = ${ids.deviceId}`);
    expect(await gapCount()).toBe(0);
  });

  it('is undone by its down migration', async () => {
    await migrateTo(db(), BEFORE);
    expect(await listTables(db())).not.toContain('routing_gaps');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
