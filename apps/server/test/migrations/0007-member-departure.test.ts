import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns } from '../storage/schema-catalog.js';

const MIGRATION = '0007-member-departure';
const TIMESTAMPTZ = 'timestamp with time zone';
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

  const addUser = (userId: string) =>
    run(sql`insert into users (id, organization_id, username, username_key, display_name,
        role, status, created_at, updated_at)
      values (${userId}, ${ids.organizationId}, ${userId}, ${userId}, 'Anna', 'member', 'active',
        now(), now())`);
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

  beforeAll(async () => {
    assert(BEFORE !== undefined, 'a migration precedes this one');
    opened = await backend.openEmpty();
    await migrateTo(opened.storage.db, BEFORE);
    await run(sql`insert into organizations (id, slug, name, created_at)
      values (${ids.organizationId}, ${`org-${ids.organizationId}`}, 'Stadt', now())`);
    await addUser(ids.current);
    await addUser(ids.former);
    await run(sql`insert into conversations
        (id, organization_id, kind, ciphersuite, epoch, last_seq, created_at)
      values (${ids.conversationId}, ${ids.organizationId}, 'group', 83, 0, 0, now())`);
    await run(sql`insert into conversation_members (conversation_id, user_id, role, added_at, removed_at)
      values (${ids.conversationId}, ${ids.current}, 'owner', now(), null),
             (${ids.conversationId}, ${ids.former}, 'member', now(), now())`);
    expect((await migrateTo(opened.storage.db, MIGRATION)).applied).toEqual([MIGRATION]);
  });
  afterAll(async () => {
    await opened?.close();
  });

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
    await migrateTo(db(), BEFORE ?? '');
    expect(await describeColumns(db(), 'conversation_members')).not.toContain('departure text');
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
