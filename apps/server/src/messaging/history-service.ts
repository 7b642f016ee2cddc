import {
  MAX_HISTORY_BLOCK_BYTES,
  MAX_HISTORY_PAGE_BYTES,
  type HistoryPageResponse,
  type PutHistoryBlockResponse,
} from '@amtsbote/protocol';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import { encodeBytes } from './bytes.js';
import { conversationNotFound } from './conversation-service.js';
import {
  findBlockState,
  isOrWasMember,
  listBlocks,
  lockHistoryOwner,
  usedBytes,
  writeBlock,
  type HistoryOwner,
} from './history-store.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * The per-user history backup: a user's devices store sealed blocks of their history of a
 * conversation and read them back. Only the caller's own user's blocks are ever read or written,
 * and only for conversations the user is or was a member of. The server cannot open a block.
 */

/** Default per-user quota over all conversations (AMTSBOTE_HISTORY_QUOTA_MB). */
export const DEFAULT_HISTORY_QUOTA_BYTES = 256 * 1024 * 1024;

export interface HistoryLimits {
  readonly quotaBytes: number;
}

export interface PutHistoryBlockInput {
  readonly conversationId: string;
  readonly block: number;
  readonly ciphertext: Uint8Array;
  /** null: replace whatever is stored. */
  readonly expectedRevision: number | null;
}

const ownerOf = (principal: Principal): HistoryOwner => ({
  organizationId: principal.organizationId,
  userId: principal.userId,
});

async function requireMembership(
  ctx: MessagingContext,
  owner: HistoryOwner,
  conversationId: string,
): Promise<void> {
  // Never a member: the same answer as for a conversation that does not exist.
  if (!(await isOrWasMember(ctx.db, owner, conversationId))) throw conversationNotFound();
}

/** Replaces one block (idempotent), within the block size limit and the user's quota. */
export async function putHistoryBlock(
  ctx: MessagingContext,
  principal: Principal,
  limits: HistoryLimits,
  input: PutHistoryBlockInput,
): Promise<PutHistoryBlockResponse> {
  const size = input.ciphertext.length;
  if (size > MAX_HISTORY_BLOCK_BYTES) {
    throw new AppError(
      413,
      'history_block_too_large',
      `a history block has at most ${MAX_HISTORY_BLOCK_BYTES} bytes`,
    );
  }
  const owner = ownerOf(principal);
  await requireMembership(ctx, owner, input.conversationId);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (tx) => {
    await lockHistoryOwner(tx, owner);
    const stored = await findBlockState(tx, owner, input.conversationId, input.block);
    const storedRevision = stored?.revision ?? 0;
    if (input.expectedRevision !== null && input.expectedRevision !== storedRevision) {
      throw new AppError(409, 'history_block_conflict', 'the block changed since it was read');
    }
    const used = (await usedBytes(tx, owner)) - (stored?.size ?? 0) + size;
    if (used > limits.quotaBytes) {
      throw new AppError(507, 'history_quota_exceeded', 'the history backup quota is used up');
    }
    const revision = storedRevision + 1;
    await writeBlock(
      tx,
      owner,
      input.conversationId,
      { block: input.block, revision, ciphertext: input.ciphertext },
      now,
    );
    return { block: input.block, revision, size, usedBytes: used, quotaBytes: limits.quotaBytes };
  });
}

/** A page of the caller's blocks of the conversation, newest first. */
export async function listHistoryBlocks(
  ctx: MessagingContext,
  principal: Principal,
  conversationId: string,
  query: { readonly before: number | null; readonly limit: number },
): Promise<HistoryPageResponse> {
  const owner = ownerOf(principal);
  await requireMembership(ctx, owner, conversationId);
  const page = await listBlocks(ctx.db, owner, conversationId, {
    ...query,
    maxBytes: MAX_HISTORY_PAGE_BYTES,
  });
  return {
    blocks: page.blocks.map((b) => ({
      block: b.block,
      revision: b.revision,
      ciphertext: encodeBytes(b.ciphertext),
      size: b.size,
      updatedAt: b.updatedAt.toISOString(),
    })),
    hasMore: page.hasMore,
  };
}
