import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns } from '../storage/schema-catalog.js';

const MIGRATION = '0009-departed-seq';
const CHECK_VIOLATION = '23514';

const names = Object.keys(MIGRATIONS);
const BEFORE = names[names.indexOf(MIGRATION) - 1];

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  let opened: OpenedStore | null = null;
  const db = (): Kysely<unknown> => {
    assert(opened !== null, 'the store is opened in beforeAll');
    return opened.storage.db as Kysely<unknown>;
  };
  const run = (query: ReturnType<typeof sql>) => query.execute(db());
  const ids = {
    organizationId: randomUUID(),
    conversationId: randomUUID(),
    current: randomUUID(),
    former: randomUUID(),
  };
  const departedSeqOf = async (userId: string) => {
    const { rows } = await sql<{ departed_seq: number | null }>`
      select departed_seq from conversation_members
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`.execute(db());
    return rows[0]?.departed_seq;
  };
  const setDepartedSeq = (userId: string, seq: number | null) =>
    run(sql`update conversation_members set departed_seq = ${seq}
      where conversation_id = ${ids.conversationId} and user_id = ${userId}`);

  beforeAll(async () => {
    assert(BEFORE !== undefined, 'a migration precedes this one');
    opened = await backend.openEmpty();
    await migrateTo(opened.storage.db, BEFORE);
    await run(sql`insert into organizations (id, slug, name, created_at)
      values (${ids.organizationId}, ${`org-${ids.organizationId}`}, 'Stadt', now())`);
    for (const userId of [ids.current, ids.former]) {
      await run(sql`insert into users (id, organization_id, username, username_key, display_name,
          role, status, created_at, updated_at)
        values (${userId}, ${ids.organizationId}, ${userId}, ${userId}, 'Anna', 'member', 'active',
          now(), now())`);
    }
    await run(sql`insert into conversations
        (id, organization_id, kind, ciphersuite, epoch, last_seq, created_at)
      values (${ids.conversationId}, ${ids.organizationId}, 'group', 83, 0, 0, now())`);
    await run(sql`insert into conversation_members
        (conversation_id, user_id, role, added_at, removed_at, departure)
      values (${ids.conversationId}, ${ids.current}, 'owner', now(), null, null),
             (${ids.conversationId}, ${ids.former}, 'member', now(), now(), 'left')`);
    expect((await migrateTo(opened.storage.db, MIGRATION)).applied).toEqual([MIGRATION]);
  });
  afterAll(async () => {
    await opened?.close();
  });

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
    await migrateTo(db(), BEFORE ?? '');
    expect(await describeColumns(db(), 'conversation_members')).not.toContain(
      'departed_seq bigint',
    );
    expect(await describeColumns(db(), 'conversation_members')).toContain('departure text');
    expect((await migrateTo(db(), MIGRATION)).applied).toEqual([MIGRATION]);
  });

  // Runs last: it moves the schema past this migration.
  describe('followed by migrateToLatest', () => {
    it('applies exactly the later migrations once, and nothing on a second run', async () => {
      const later = names.slice(names.indexOf(MIGRATION) + 1);
      expect((await migrateToLatest(db())).applied).toEqual(later);
      expect((await migrateToLatest(db())).applied).toEqual([]);
    });
  });
});
