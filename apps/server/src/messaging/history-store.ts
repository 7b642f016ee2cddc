import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { asBytes } from './bytes.js';

/* Queries on the per-user history backup (migration 0006); each scoped to one organization. */

export interface HistoryOwner {
  readonly organizationId: string;
  readonly userId: string;
}

export interface StoredBlockState {
  readonly revision: number;
  readonly size: number;
}

export interface StoredBlock {
  readonly block: number;
  readonly revision: number;
  readonly ciphertext: Uint8Array;
  readonly size: number;
  readonly updatedAt: Date;
}

/** True when the user is or was a member of the conversation (a removed member keeps its history). */
export async function isOrWasMember(
  db: Kysely<Database>,
  owner: HistoryOwner,
  conversationId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('conversation_members as m')
    .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
    .select('m.user_id')
    .where('c.id', '=', conversationId)
    .where('c.organization_id', '=', owner.organizationId)
    .where('m.user_id', '=', owner.userId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Serialises the user's backup writes, so that the quota check and the write are one step. */
export async function lockHistoryOwner(db: Kysely<Database>, owner: HistoryOwner): Promise<void> {
  await db
    .selectFrom('users')
    .select('id')
    .where('id', '=', owner.userId)
    .where('organization_id', '=', owner.organizationId)
    .forUpdate()
    .executeTakeFirst();
}

export async function findBlockState(
  db: Kysely<Database>,
  owner: HistoryOwner,
  conversationId: string,
  block: number,
): Promise<StoredBlockState | null> {
  const row = await db
    .selectFrom('history_blocks')
    .select(['revision', 'size'])
    .where('organization_id', '=', owner.organizationId)
    .where('user_id', '=', owner.userId)
    .where('conversation_id', '=', conversationId)
    .where('block', '=', block)
    .executeTakeFirst();
  return row ?? null;
}

/** The bytes the user holds in the backup, over all conversations. */
export async function usedBytes(db: Kysely<Database>, owner: HistoryOwner): Promise<number> {
  const row = await db
    .selectFrom('history_blocks')
    .select(sql<number | string>`coalesce(sum(size), 0)`.as('used'))
    .where('organization_id', '=', owner.organizationId)
    .where('user_id', '=', owner.userId)
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

export async function writeBlock(
  db: Kysely<Database>,
  owner: HistoryOwner,
  conversationId: string,
  block: { readonly block: number; readonly revision: number; readonly ciphertext: Uint8Array },
  at: Date,
): Promise<void> {
  await db
    .insertInto('history_blocks')
    .values({
      organization_id: owner.organizationId,
      user_id: owner.userId,
      conversation_id: conversationId,
      block: block.block,
      revision: block.revision,
      ciphertext: block.ciphertext,
      size: block.ciphertext.length,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.columns(['organization_id', 'user_id', 'conversation_id', 'block']).doUpdateSet({
        revision: block.revision,
        ciphertext: block.ciphertext,
        size: block.ciphertext.length,
        updated_at: at,
      }),
    )
    .execute();
}

/**
 * The user's blocks of the conversation below `before` (all when null), newest first: at most
 * `limit`, and no more than about maxBytes (at least one). Sizes are read first, so that a page
 * never loads blocks it does not return.
 */
export async function listBlocks(
  db: Kysely<Database>,
  owner: HistoryOwner,
  conversationId: string,
  page: { readonly before: number | null; readonly limit: number; readonly maxBytes: number },
): Promise<{ blocks: StoredBlock[]; hasMore: boolean }> {
  let sizes = db
    .selectFrom('history_blocks')
    .select(['block', 'size'])
    .where('organization_id', '=', owner.organizationId)
    .where('user_id', '=', owner.userId)
    .where('conversation_id', '=', conversationId);
  if (page.before !== null) sizes = sizes.where('block', '<', page.before);
  const candidates = await sizes
    .orderBy('block', 'desc')
    .limit(page.limit + 1)
    .execute();
  const chosen: number[] = [];
  let total = 0;
  for (const candidate of candidates.slice(0, page.limit)) {
    if (chosen.length > 0 && total + candidate.size > page.maxBytes) break;
    chosen.push(candidate.block);
    total += candidate.size;
  }
  if (chosen.length === 0) return { blocks: [], hasMore: false };
  const rows = await db
    .selectFrom('history_blocks')
    .select(['block', 'revision', 'ciphertext', 'size', 'updated_at'])
    .where('organization_id', '=', owner.organizationId)
    .where('user_id', '=', owner.userId)
    .where('conversation_id', '=', conversationId)
    .where('block', 'in', chosen)
    .orderBy('block', 'desc')
    .execute();
  return {
    blocks: rows.map((r) => ({
      block: r.block,
      revision: r.revision,
      ciphertext: asBytes(r.ciphertext),
      size: r.size,
      updatedAt: r.updated_at,
    })),
    hasMore: candidates.length > chosen.length,
  };
}
