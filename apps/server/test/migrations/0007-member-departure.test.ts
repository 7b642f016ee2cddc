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

const MIGRATION = '0007-member-departure';
const BEFORE = previousMigration(MIGRATION);
const TIMESTAMPTZ = 'timestamp with time zone';
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
      await insertUser(db, { id: ids.current, organizationId });
      await insertUser(db, { id: ids.former, organizationId });
      await insertConversation(db, { id: conversationId, organizationId });
      await insertMember(db, { conversationId, userId: ids.current, role: 'owner' });
      await insertMember(db, { conversationId, userId: ids.former, isRemoved: true });
    },
  });
  const { db, run } = bed;

  const departureOf = async (userId: string) => {
    const { rows } = await sql<{ departure: string | null }>`
      select departure from conversation_members
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`.execute(db());
    return rows[0]?.departure;
  };
  const setMember = (userId: string, removed: boolean, departure: string | null) =>
    run(sql`update conversation_members
      set removed_at = ${removed ? sql`now()` : null}, departure = ${departure}
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`);

  it('adds the nullable departure column to conversation_members', async () => {
    expect(await describeColumns(db(), 'conversation_members')).toEqual([
      'conversation_id uuid not null',
      'user_id uuid not null',
      'role text not null',
      `added_at ${TIMESTAMPTZ} not null`,
      `removed_at ${TIMESTAMPTZ}`,
      'departure text',
    ]);
  });

  it('records the former members of before as removed, and current members without one', async () => {
    expect(await departureOf(ids.former)).toBe('removed');
    expect(await departureOf(ids.current)).toBeNull();
  });

  it('requires a departure of former members only, and only a known one', async () => {
    await expect(setMember(ids.current, false, 'left')).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(setMember(ids.former, true, null)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await expect(setMember(ids.former, true, 'vanished')).rejects.toMatchObject({
      code: CHECK_VIOLATION,
    });
    await setMember(ids.former, true, 'left');
    expect(await departureOf(ids.former)).toBe('left');
    await setMember(ids.former, false, null);
    expect(await departureOf(ids.former)).toBeNull();
  });

  it('is undone by its down migration, which drops only the column', async () => {
    await migrateTo(db(), BEFORE);
    expect(await describeColumns(db(), 'conversation_members')).not.toContain('departure text');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
