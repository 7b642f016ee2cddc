import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns, listTables } from '../storage/schema-catalog.js';

const MIGRATION = '0008-routing-gaps';
const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';

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
    userId: randomUUID(),
    deviceId: randomUUID(),
    conversationId: randomUUID(),
  };
  const addGap = (deviceId: string, afterSeq: number, untilSeq: number) =>
    run(sql`insert into routing_gaps (conversation_id, device_id, after_seq, until_seq)
      values (${ids.conversationId}, ${deviceId}, ${afterSeq}, ${untilSeq})`);
  const gapCount = async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from routing_gaps`.execute(db());
    return rows[0]?.n;
  };

  beforeAll(async () => {
    assert(BEFORE !== undefined, 'a migration precedes this one');
    opened = await backend.openEmpty();
    await migrateTo(opened.storage.db, BEFORE);
    const { organizationId, userId, deviceId, conversationId } = ids;
    await run(sql`insert into organizations (id, slug, name, created_at)
      values (${organizationId}, ${`org-${organizationId}`}, 'Stadt', now())`);
    await run(sql`insert into users (id, organization_id, username, username_key, display_name,
        role, status, created_at, updated_at)
      values (${userId}, ${organizationId}, 'anna', 'anna', 'Anna', 'member', 'active',
        now(), now())`);
    await run(sql`insert into devices
        (id, organization_id, user_id, name, platform, kind, created_at, last_seen_at)
      values (${deviceId}, ${organizationId}, ${userId}, 'PC', 'web', 'managed', now(), now())`);
    await run(sql`insert into conversations
        (id, organization_id, kind, ciphersuite, epoch, last_seq, created_at)
      values (${conversationId}, ${organizationId}, 'group', 83, 3, 9, now())`);
    await run(sql`insert into conversation_devices
        (conversation_id, device_id, user_id, from_seq, until_seq, acked_seq)
      values (${conversationId}, ${deviceId}, ${userId}, 1, null, 2)`);
    expect((await migrateTo(opened.storage.db, MIGRATION)).applied).toEqual([MIGRATION]);
  });
  afterAll(async () => {
    await opened?.close();
  });

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
    await migrateTo(db(), BEFORE ?? '');
    expect(await listTables(db())).not.toContain('routing_gaps');
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
