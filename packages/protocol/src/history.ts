import { z } from 'zod';
import { bytesSchema } from './messaging.js';

/*
 * The per-user history backup: each user's devices store their decrypted history of a
 * conversation as sealed blocks (deterministic windows of the conversation's seq), so that a
 * device joining later can read what came before it. The server holds opaque bytes per
 * (user, conversation, block) and knows their sizes, never their content or key.
 */

/** Largest sealed block the server stores. */
export const MAX_HISTORY_BLOCK_BYTES = 4 * 1024 * 1024;
/** Blocks per page of GET /api/me/history/:id (id: the conversation's). */
export const MAX_HISTORY_PAGE_BLOCKS = 64;
export const DEFAULT_HISTORY_PAGE_BLOCKS = 16;
/** A page stops after about this many bytes of blocks (but always holds at least one). */
export const MAX_HISTORY_PAGE_BYTES = 8 * 1024 * 1024;
/** Block numbers stay far below 2^53 (a block covers many seqs). */
export const MAX_HISTORY_BLOCK_NUMBER = 2 ** 46;

const blockNumberSchema = z.coerce.number().int().min(0).max(MAX_HISTORY_BLOCK_NUMBER);

/** PUT /api/me/history/:id/blocks/:block, id the conversation's. */
export const historyBlockParamsSchema = z.strictObject({
  id: z.uuid(),
  block: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,14})$/, 'a block number')
    .transform(Number)
    .pipe(z.number().int().max(MAX_HISTORY_BLOCK_NUMBER)),
});

export const putHistoryBlockRequestSchema = z.strictObject({
  /**
   * The sealed block. The schema admits a little more than the limit, so that a block just over
   * it gets the typed history_block_too_large rather than a generic validation error.
   */
  ciphertext: bytesSchema(MAX_HISTORY_BLOCK_BYTES + 1024),
  /**
   * The revision the writer read and merged (0: the block must not exist yet). When given and
   * the stored revision differs, the write is refused with history_block_conflict, so that two
   * devices of the user never overwrite each other's changes unseen. Absent: replace.
   */
  expectedRevision: z.number().int().min(0).optional(),
});

export const putHistoryBlockResponseSchema = z.object({
  block: z.number().int(),
  /** Counts the writes of this block, starting at 1. */
  revision: z.number().int(),
  size: z.number().int(),
  /** The user's bytes in the backup after this write, and the most they may hold. */
  usedBytes: z.number().int(),
  quotaBytes: z.number().int(),
});
export type PutHistoryBlockResponse = z.infer<typeof putHistoryBlockResponseSchema>;

export const historyQuerySchema = z.strictObject({
  /** Only blocks with a smaller number (the page before); absent: from the newest block. */
  before: blockNumberSchema.optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_HISTORY_PAGE_BLOCKS)
    .default(DEFAULT_HISTORY_PAGE_BLOCKS),
});

export const historyBlockSchema = z.object({
  block: z.number().int(),
  revision: z.number().int(),
  ciphertext: z.string(),
  size: z.number().int(),
  updatedAt: z.iso.datetime(),
});
export type HistoryBlock = z.infer<typeof historyBlockSchema>;

export const historyPageResponseSchema = z.object({
  /** Newest block first; ask again with before = the last block's number while hasMore. */
  blocks: z.array(historyBlockSchema),
  hasMore: z.boolean(),
});
export type HistoryPageResponse = z.infer<typeof historyPageResponseSchema>;
