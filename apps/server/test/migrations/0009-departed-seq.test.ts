import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertMember,
  insertOrganization,
  insertUser,
  previousMigration,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0009-departed-seq';
const BEFORE = previousMigration(MIGRATION);
const CHECK_VIOLATION = '23514';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const ids = {
    organizationId: randomUUID(),
    conversationId: randomUUID(),
    current: randomUUID(),
    former: randomUUID(),
  };
  const bed = useMigrationBed(backend, MIGRATION, {
    seed: async (db) => {
      const { organizationId, conversationId } = ids;
      await insertOrganization(db, { id: organizationId });
      for (const userId of [ids.current, ids.former]) {
        await insertUser(db, { id: userId, organizationId });
      }
      await insertConversation(db, { id: conversationId, organizationId });
      await insertMember(db, {
        conversationId,
        userId: ids.current,
        role: 'owner',
        departure: null,
      });
      await insertMember(db, {
        conversationId,
        userId: ids.former,
        isRemoved: true,
        departure: 'left',
      });
    },
  });
  const { db, run } = bed;

  const departedSeqOf = async (userId: string) => {
    const { rows } = await sql<{ departed_seq: number | null }>`
      select departed_seq from conversation_members
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`.execute(db());
    return rows[0]?.departed_seq;
  };
  const setDepartedSeq = (userId: string, seq: number | null) =>
    run(sql`update conversation_members set departed_seq = ${seq}
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`);

  it('adds departed_seq, unknown for those who left before', async () => {
    expect(await describeColumns(db(), 'conversation_members')).toContain('departed_seq bigint');
    expect(await departedSeqOf(ids.former)).toBeNull();
    expect(await departedSeqOf(ids.current)).toBeNull();
  });

  it('takes a seq for former members only, never a negative one', async () => {
    await setDepartedSeq(ids.former, 12);
    expect(await departedSeqOf(ids.former)).toBe(12);
    await expect(setDepartedSeq(ids.current, 12)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(setDepartedSeq(ids.former, -1)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
  });

  it('is undone by its down migration, which drops only the column', async () => {
    await migrateTo(db(), BEFORE);
    expect(await describeColumns(db(), 'conversation_members')).not.toContain(
      'departed_seq bigint',
    );
    expect(await describeColumns(db(), 'conversation_members')).toContain('departure text');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
