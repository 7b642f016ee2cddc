import {
  openHistoryBlock,
  type HistoryBlockPosition,
  type HistoryConversationKey,
} from '@amtsbote/crypto';
import type { StoreOperation } from '../store/local-store.js';
import type { SerialQueue } from '../store/serial-queue.js';
import { changedTarget } from './apply-content.js';
import type { EngineContext } from './engine-context.js';
import { newConversationInfo } from './group-store.js';
import type { HistoryApi, StoredHistoryBlock } from './history-api.js';
import {
  blockDigest,
  decodeBlock,
  groupIntoBlocks,
  isSameMessage,
  toBlockMessage,
  toMessageRecord,
  type BlockContent,
  type BlockMessage,
} from './history-block.js';
import { mergeBlockMessages } from './history-merge.js';
import type { HistoryState } from './history-state.js';
import type { MessageRecord } from './message-store.js';
import { errorCode } from './messaging-events.js';

/*
 * Bringing blocks of the user's history backup into this device's store: each block is opened
 * (a block that does not open, or that is not the block asked for, is refused visibly and
 * nothing of it is used), merged message by message with what the device holds (history-merge),
 * and written under the engine lock, so that no event is processed in between. Changes this
 * device saw to messages it did not hold yet (pending-controls) are applied to them on the way in.
 */

export interface HistoryDeps {
  readonly ctx: EngineContext;
  /** The engine lock: every write to messages runs under it. */
  readonly lock: SerialQueue;
  readonly api: HistoryApi;
  readonly state: HistoryState;
}

export interface OpenedBlock {
  readonly content: BlockContent;
  /** The server's revision of the block. */
  readonly revision: number;
}

/** At most this many writes per transaction (stores cap a transaction's operations). */
const OPERATIONS_PER_TRANSACTION = 500;

export function positionOf(
  deps: HistoryDeps,
  conversationId: string,
  block: number,
): HistoryBlockPosition {
  return { userId: deps.ctx.account.userId, conversationId, block };
}

/** Opens and checks one stored block; null (and a history_block_refused event) when it fails. */
export async function openStoredBlock(
  deps: HistoryDeps,
  key: HistoryConversationKey,
  conversationId: string,
  stored: StoredHistoryBlock,
): Promise<OpenedBlock | null> {
  try {
    const plaintext = await openHistoryBlock(
      key,
      positionOf(deps, conversationId, stored.block),
      stored.sealed,
    );
    const content = decodeBlock(plaintext, { conversationId, block: stored.block });
    return { content, revision: stored.revision };
  } catch (error) {
    deps.ctx.hub.emit({
      type: 'history_block_refused',
      conversationId,
      block: stored.block,
      code: errorCode(error),
    });
    return null;
  }
}

/** The record with the changes that waited for it applied, and the writes that clear them. */
async function withPendingControls(
  deps: HistoryDeps,
  record: MessageRecord,
): Promise<{ record: MessageRecord; operations: StoreOperation[] }> {
  const { pendingControls } = deps.ctx.messages;
  let current = record;
  const operations: StoreOperation[] = [];
  for (const pending of await pendingControls.forTarget(record.conversationId, record.messageId)) {
    current = changedTarget(current, pending.input) ?? current;
    operations.push(pendingControls.deleteOperation(pending.key));
  }
  return { record: current, operations };
}

/** The newest metadata (name, topic) among the messages, when it is one of `candidates`. */
function newestMetadata(
  all: Iterable<BlockMessage>,
  candidates: ReadonlySet<string>,
): BlockMessage | null {
  let newest: BlockMessage | null = null;
  for (const m of all) {
    if (m.content?.type === 'metadata' && (newest === null || m.seq > newest.seq)) newest = m;
  }
  return newest !== null && candidates.has(newest.messageId) ? newest : null;
}

/**
 * Merges opened blocks into the store, under the engine lock. `floor`: the seq at which this
 * device joined. Returns how many messages were new to the device.
 */
export async function importBlocks(
  deps: HistoryDeps,
  conversationId: string,
  blocks: readonly OpenedBlock[],
  floor: number,
): Promise<number> {
  if (blocks.length === 0) return 0;
  const { ctx } = deps;
  return deps.lock.run(async () => {
    const localRecords = await ctx.messages.messages(conversationId);
    const localById = new Map(localRecords.map((r) => [r.messageId, toBlockMessage(r)]));
    const localBlocks = groupIntoBlocks(localRecords);
    const messageOps: StoreOperation[] = [];
    const otherOps: StoreOperation[] = [];
    const added = new Set<string>();
    const view = new Map(localById);
    for (const { content, revision } of blocks) {
      const merged = mergeBlockMessages(
        localBlocks.get(content.block) ?? [],
        content.messages,
        floor,
      );
      for (const message of merged) {
        const local = localById.get(message.messageId);
        if (local !== undefined) {
          if (!isSameMessage(local, message)) {
            messageOps.push(
              ...ctx.messages.messageOperations(toMessageRecord(conversationId, message)),
            );
            view.set(message.messageId, message);
          }
          continue;
        }
        // Known to this device as a control message (edit, reaction, …): not a timeline entry.
        if ((await ctx.messages.seenAt(conversationId, message.messageId)) !== null) continue;
        const pending = await withPendingControls(deps, toMessageRecord(conversationId, message));
        messageOps.push(...ctx.messages.messageOperations(pending.record));
        otherOps.push(...pending.operations);
        added.add(message.messageId);
        view.set(message.messageId, toBlockMessage(pending.record));
      }
      otherOps.push(
        deps.state.blockOperation(conversationId, content.block, {
          digest: await blockDigest(content),
          revision,
        }),
      );
    }
    const metadata = newestMetadata(view.values(), added);
    if (metadata?.content?.type === 'metadata') {
      const info =
        (await ctx.groups.info(conversationId)) ?? newConversationInfo(conversationId, null);
      const { name, topic } = metadata.content;
      otherOps.push(ctx.groups.infoOperation({ ...info, name, topic }));
    }
    // Messages first: an interruption leaves changes to re-apply, which is harmless.
    const operations = [...messageOps, ...otherOps];
    for (let at = 0; at < operations.length; at += OPERATIONS_PER_TRANSACTION) {
      await ctx.store.transaction(operations.slice(at, at + OPERATIONS_PER_TRANSACTION));
    }
    return added.size;
  });
}

/**
 * Fetches the user's blocks of the conversation below `before` (all when null), newest first,
 * and merges every one that opens. Returns how many messages were new to this device.
 */
export async function restoreBlocks(
  deps: HistoryDeps,
  key: HistoryConversationKey,
  conversationId: string,
  before: number | null,
  floor: number,
): Promise<number> {
  let count = 0;
  let next = before;
  for (;;) {
    const page = await deps.api.page(conversationId, next);
    const opened: OpenedBlock[] = [];
    for (const stored of page.blocks) {
      const block = await openStoredBlock(deps, key, conversationId, stored);
      if (block !== null) opened.push(block);
    }
    count += await importBlocks(deps, conversationId, opened, floor);
    const last = page.blocks.at(-1);
    if (!page.hasMore || last === undefined) return count;
    next = last.block;
  }
}
