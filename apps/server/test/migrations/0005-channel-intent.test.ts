import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertOrganization,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0005-channel-intent';
const BEFORE = '0002-messaging';
const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const organizationId = randomUUID();
  const conversationId = randomUUID();
  const oldMessageId = randomUUID();
  const bed = useMigrationBed(backend, MIGRATION, {
    from: BEFORE,
    seed: async (db) => {
      await insertOrganization(db, { id: organizationId });
      await insertConversation(db, { id: conversationId, organizationId, kind: 'channel' });
      // Written before intents existed: a commit and a message.
      await addEvent(1, 'commit', null);
      await addEvent(2, 'message', oldMessageId);
    },
  });
  const { db, run } = bed;

  const addEvent = (seq: number, type: string, messageId: string | null, intent?: string | null) =>
    intent === undefined
      ? run(sql`insert into conversation_events
          (conversation_id, seq, type, epoch, sender_device_id, message_id, data, sent_at)
        values (${conversationId}, ${seq}, ${type}, 0, ${randomUUID()}, ${messageId},
          ${new Uint8Array([1])}, now())`)
      : run(sql`insert into conversation_events
          (conversation_id, seq, type, epoch, sender_device_id, message_id, data, sent_at, intent)
        values (${conversationId}, ${seq}, ${type}, 0, ${randomUUID()}, ${messageId},
          ${new Uint8Array([1])}, now(), ${intent})`);
  const intentOf = async (seq: number): Promise<string | null | undefined> => {
    const { rows } = await sql<{ intent: string | null }>`select intent from conversation_events
      where conversation_id = ${conversationId} and seq = ${seq}`.execute(db());
    return rows[0]?.intent;
  };

  describe('on a database with messages', () => {
    it('applies the migrations after 0002 up to this one', () => {
      const names = Object.keys(MIGRATIONS);
      const expected = names.slice(names.indexOf(BEFORE) + 1, names.indexOf(MIGRATION) + 1);
      expect(bed.applied()).toEqual(expected);
    });

    it('declares earlier messages posts and leaves commits without an intent', async () => {
      expect(await intentOf(1)).toBeNull();
      expect(await intentOf(2)).toBe('post');
    });

    it('adds the intent column and the policy table', async () => {
      expect((await describeColumns(db(), 'conversation_events')).at(-1)).toBe('intent text');
      expect(await describeColumns(db(), 'organization_policies')).toEqual([
        'organization_id uuid not null',
        'has_read_receipts boolean not null',
        'updated_at timestamp with time zone not null',
      ]);
      const keys = (await listKeyConstraints(db())).filter((k) =>
        k.startsWith('organization_policies '),
      );
      expect(keys).toEqual([
        'organization_policies foreign key (organization_id) references organizations (id) on delete cascade',
        'organization_policies primary key (organization_id)',
      ]);
    });

    it('requires an intent of post or response on messages, and none on commits', async () => {
      await expect(addEvent(3, 'message', randomUUID(), null)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addEvent(3, 'message', randomUUID(), 'announcement')).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addEvent(3, 'commit', null, 'post')).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await addEvent(3, 'message', randomUUID(), 'response');
      await addEvent(4, 'commit', null, null);
      expect([await intentOf(3), await intentOf(4)]).toEqual(['response', null]);
    });

    it('keeps one policy row per organization, deleted with it', async () => {
      const setPolicy = (hasReadReceipts: boolean) =>
        run(sql`insert into organization_policies (organization_id, has_read_receipts, updated_at)
          values (${organizationId}, ${hasReadReceipts}, now())`);
      await setPolicy(false);
      await expect(setPolicy(true)).rejects.toMatchObject({ code: UNIQUE_VIOLATION });
      await run(sql`delete from organizations where id = ${organizationId}`);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n
        from organization_policies where organization_id = ${organizationId}`.execute(db());
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
