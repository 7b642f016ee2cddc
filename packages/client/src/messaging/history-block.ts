import { base64urlEncode, sha256 } from '@amtsbote/crypto';
import { messageContentSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import type { MessageRecord } from './message-store.js';

/*
 * The plaintext of one history backup block: the messages a device's store holds for one window
 * of the conversation's seq (HISTORY_BLOCK_SEQS seqs), with sender, time, content, edits,
 * deletion tombstones (content erased), reactions and acknowledgements; never the failures.
 * Encoded as canonical JSON (sorted keys, sorted user lists), so that every device of the user
 * that holds the same messages produces the same bytes and the same digest.
 */

/** Seqs per block: block n covers seqs n·64 … n·64 + 63. */
export const HISTORY_BLOCK_SEQS = 64;

export const blockOfSeq = (seq: number): number => Math.floor(seq / HISTORY_BLOCK_SEQS);

const blockMessageSchema = z.strictObject({
  messageId: z.uuid(),
  seq: z.number().int().min(0),
  sentAt: z.string().max(64),
  senderUserId: z.uuid(),
  senderDeviceId: z.uuid(),
  content: messageContentSchema.nullable(),
  isDeleted: z.boolean(),
  editedAt: z.string().max(64).nullable(),
  reactions: z.record(z.string().max(64), z.array(z.uuid())),
  acknowledgedBy: z.array(z.uuid()),
});
export type BlockMessage = z.infer<typeof blockMessageSchema>;

const blockContentSchema = z.strictObject({
  v: z.literal(1),
  conversationId: z.uuid(),
  block: z.number().int().min(0),
  messages: z.array(blockMessageSchema).max(HISTORY_BLOCK_SEQS),
});

export interface BlockContent {
  readonly conversationId: string;
  readonly block: number;
  /** In seq order, one per seq at most. */
  readonly messages: readonly BlockMessage[];
}

export class HistoryBlockError extends Error {
  readonly code = 'history_block_invalid';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HistoryBlockError';
  }
}

const sorted = (values: readonly string[]): string[] => [...new Set(values)].sort();

/** A message as the block holds it: user lists as sorted sets, emoji in sorted order. */
export function normaliseMessage(message: BlockMessage): BlockMessage {
  return {
    messageId: message.messageId,
    seq: message.seq,
    sentAt: message.sentAt,
    senderUserId: message.senderUserId,
    senderDeviceId: message.senderDeviceId,
    content: message.content,
    isDeleted: message.isDeleted,
    editedAt: message.editedAt,
    reactions: Object.fromEntries(
      Object.entries(message.reactions)
        .filter(([, users]) => users.length > 0)
        .map(([emoji, users]) => [emoji, sorted(users)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    acknowledgedBy: sorted(message.acknowledgedBy),
  };
}

export function toBlockMessage(record: MessageRecord): BlockMessage {
  return normaliseMessage(record);
}

export function toMessageRecord(conversationId: string, message: BlockMessage): MessageRecord {
  return { v: 1, conversationId, ...message };
}

/** The block's messages grouped by block number, from the store's records. */
export function groupIntoBlocks(records: readonly MessageRecord[]): Map<number, BlockMessage[]> {
  const blocks = new Map<number, BlockMessage[]>();
  for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
    const block = blockOfSeq(record.seq);
    const list = blocks.get(block) ?? [];
    list.push(toBlockMessage(record));
    blocks.set(block, list);
  }
  return blocks;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/** The canonical bytes of a block. */
export function encodeBlock(content: BlockContent): Uint8Array<ArrayBuffer> {
  const value = {
    v: 1,
    conversationId: content.conversationId,
    block: content.block,
    messages: [...content.messages].sort((a, b) => a.seq - b.seq).map(normaliseMessage),
  };
  return new TextEncoder().encode(JSON.stringify(canonical(value)));
}

/**
 * Parses an opened block and checks that it is the one asked for: same conversation and
 * number, every message inside the block's window, no seq or message id twice.
 */
export function decodeBlock(
  bytes: Uint8Array,
  expected: { readonly conversationId: string; readonly block: number },
): BlockContent {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new HistoryBlockError('the block is not UTF-8 JSON', { cause: error });
  }
  const parsed = blockContentSchema.safeParse(json);
  if (!parsed.success) {
    throw new HistoryBlockError('the block does not match its schema', { cause: parsed.error });
  }
  const content = parsed.data;
  if (content.conversationId !== expected.conversationId || content.block !== expected.block) {
    throw new HistoryBlockError('the block names another conversation or position');
  }
  const seqs = new Set(content.messages.map((m) => m.seq));
  const ids = new Set(content.messages.map((m) => m.messageId));
  if (seqs.size !== content.messages.length || ids.size !== content.messages.length) {
    throw new HistoryBlockError('the block holds a seq or message id twice');
  }
  if (content.messages.some((m) => blockOfSeq(m.seq) !== content.block)) {
    throw new HistoryBlockError('the block holds a message outside its window');
  }
  if (content.messages.some((m) => m.isDeleted !== (m.content === null))) {
    throw new HistoryBlockError('a tombstone with content, or content without a message');
  }
  return {
    conversationId: content.conversationId,
    block: content.block,
    messages: content.messages,
  };
}

/** True when both say the same about the message (lists compared as sets). */
export function isSameMessage(a: BlockMessage, b: BlockMessage): boolean {
  return (
    JSON.stringify(canonical(normaliseMessage(a))) ===
    JSON.stringify(canonical(normaliseMessage(b)))
  );
}

/** What identifies a block's content: SHA-256 of its canonical bytes, base64url. */
export async function blockDigest(content: BlockContent): Promise<string> {
  return base64urlEncode(await sha256(encodeBlock(content)));
}
