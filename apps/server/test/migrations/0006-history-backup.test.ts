import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertConversation,
  insertOrganization,
  insertUser,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0006-history-backup';
const BEFORE = '0002-messaging';
const TABLE = 'history_blocks';
const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';

/** Frozen like the migration. */
const COLUMNS = [
  'organization_id uuid not null',
  'user_id uuid not null',
  'conversation_id uuid not null',
  'block bigint not null',
  'revision bigint not null',
  'ciphertext bytea not null',
  'size integer not null',
  'updated_at timestamp with time zone not null',
];

const KEYS = [
  `${TABLE} primary key (organization_id, user_id, conversation_id, block)`,
  `${TABLE} foreign key (organization_id) references organizations (id) on delete cascade`,
  `${TABLE} foreign key (user_id) references users (id) on delete cascade`,
  `${TABLE} foreign key (conversation_id) references conversations (id) on delete cascade`,
];

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const bed = useMigrationBed(backend, MIGRATION, { from: BEFORE });
  const { db, run } = bed;

  /** An organization with a user and a conversation. */
  const addOwner = async () => {
    const organizationId = await insertOrganization(db());
    const userId = await insertUser(db(), { organizationId });
    const conversationId = await insertConversation(db(), { organizationId });
    return { organizationId, userId, conversationId };
  };

  const addBlock = (
    owner: { organizationId: string; userId: string; conversationId: string },
    block: number,
    options: { revision?: number; bytes?: Uint8Array; size?: number } = {},
  ) => {
    const bytes = options.bytes ?? new Uint8Array([1, 2, 3]);
    return run(sql`insert into history_blocks
        (organization_id, user_id, conversation_id, block, revision, ciphertext, size, updated_at)
      values (${owner.organizationId}, ${owner.userId}, ${owner.conversationId}, ${block},
        ${options.revision ?? 1}, ${bytes}, ${options.size ?? bytes.length}, now())`);
  };

  const countBlocks = async (column: string, value: string): Promise<number> => {
    const { rows } = await sql<{ n: number }>`select count(*) as n from history_blocks
      where ${sql.ref(column)} = ${value}`.execute(db());
    return Number(rows[0]?.n);
  };

  describe('on a database with messaging tables', () => {
    it('applies the migrations after 0002 up to this one', () => {
      const names = Object.keys(MIGRATIONS);
      const expected = names.slice(names.indexOf(BEFORE) + 1, names.indexOf(MIGRATION) + 1);
      expect(bed.applied()).toEqual(expected);
    });

    it('creates the block table with its columns, keys and indexes', async () => {
      expect(await describeColumns(db(), TABLE)).toEqual(COLUMNS);
      const keys = (await listKeyConstraints(db())).filter((k) => k.startsWith(`${TABLE} `));
      expect(keys).toEqual([...KEYS].sort());
      const { rows } = await sql<{ indexname: string; indexdef: string }>`
        select indexname, indexdef from pg_indexes
        where schemaname = 'public' and tablename = ${TABLE}
          and indexname not like '%_pk' and indexname not like '%_pkey'`.execute(db());
      const described = rows.map(
        (r) => `${r.indexname} (${/\((.*?)\)/.exec(r.indexdef)?.[1] ?? '?'})`,
      );
      expect(described.sort()).toEqual([
        'history_blocks_conversation (conversation_id)',
        'history_blocks_user (user_id)',
      ]);
    });

    it('keeps one row per user, conversation and block', async () => {
      const owner = await addOwner();
      await addBlock(owner, 0);
      await addBlock(owner, 1);
      await expect(addBlock(owner, 0)).rejects.toMatchObject({ code: UNIQUE_VIOLATION });
    });

    it('rejects a negative block, a revision below 1 and a size that is not the ciphertext length', async () => {
      const owner = await addOwner();
      await expect(addBlock(owner, -1)).rejects.toMatchObject({ code: CHECK_VIOLATION });
      await expect(addBlock(owner, 0, { revision: 0 })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addBlock(owner, 0, { size: 2 })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
      await expect(addBlock(owner, 0, { bytes: new Uint8Array(0) })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('deletes the blocks together with their conversation, user or organization', async () => {
      const first = await addOwner();
      const second = await addOwner();
      const third = await addOwner();
      for (const owner of [first, second, third]) await addBlock(owner, 0);

      await run(sql`delete from conversations where id = ${first.conversationId}`);
      await run(sql`delete from users where id = ${second.userId}`);
      await run(sql`delete from conversations where organization_id = ${third.organizationId}`);
      await run(sql`delete from users where organization_id = ${third.organizationId}`);
      await run(sql`delete from organizations where id = ${third.organizationId}`);

      expect(await countBlocks('conversation_id', first.conversationId)).toBe(0);
      expect(await countBlocks('user_id', second.userId)).toBe(0);
      expect(await countBlocks('organization_id', third.organizationId)).toBe(0);
    });

    it('returns the ciphertext as the stored bytes', async () => {
      const owner = await addOwner();
      const bytes = new Uint8Array([0, 255, 7, 128]);
      await addBlock(owner, 5, { bytes });
      const { rows } = await sql<{ ciphertext: Uint8Array }>`select ciphertext from history_blocks
        where user_id = ${owner.userId} and block = 5`.execute(db());
      expect([...(rows[0]?.ciphertext ?? [])]).toEqual([...bytes]);
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
