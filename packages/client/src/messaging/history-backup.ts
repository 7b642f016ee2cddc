import {
  deriveHistoryConversationKey,
  sealHistoryBlock,
  type HistoryConversationKey,
} from '@amtsbote/crypto';
import { MAX_HISTORY_BLOCK_BYTES } from '@amtsbote/protocol';
import { ApiError } from '../http-api.js';
import { SerialQueue } from '../store/serial-queue.js';
import {
  blockDigest,
  blockOfSeq,
  encodeBlock,
  groupIntoBlocks,
  type BlockContent,
} from './history-block.js';
import {
  importBlocks,
  openStoredBlock,
  positionOf,
  restoreBlocks,
  type HistoryDeps,
} from './history-restore.js';

/**
 * Quiet time after the last change before blocks are sent: a burst of messages is one upload.
 * Restoring after a join does not wait.
 */
export const DEFAULT_HISTORY_BACKUP_DELAY_MS = 5_000;
/** Conditional writes retried after another device of the user changed the block meanwhile. */
const MAX_WRITE_ATTEMPTS = 4;
/** After a failed run (server unreachable, quota full), the next try comes no sooner than this. */
const RETRY_DELAY_MS = 30_000;

export interface HistoryBackupOptions {
  readonly delayMs: number;
  /** Runs work in the background; a failure becomes an engine_error event. */
  readonly background: (task: string, run: () => Promise<void>) => void;
}

/*
 * The device's part of the user's history backup. Blocks are deterministic windows of a
 * conversation's seq (HISTORY_BLOCK_SEQS), so all devices of the user compute the same content
 * for the same messages. After messages arrive or change (a new message, an edit, a deletion,
 * a reaction), the conversation is checked once things are quiet: each block whose content
 * differs from what the server holds is sealed and written, conditionally on the revision this
 * device last saw. When another device changed it meanwhile, the stored block is read, merged
 * into this device's store (history-merge) and the write is tried again. A device that joined a
 * conversation late restores the blocks before its join seq.
 */
export class HistoryBackup {
  readonly #deps: HistoryDeps;
  readonly #options: HistoryBackupOptions;
  /** Backup work runs one piece at a time; imports also take the engine lock. */
  readonly #queue = new SerialQueue();
  readonly #dirty = new Set<string>();
  readonly #restorePending = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerDueAt = 0;
  #isStopped = false;

  constructor(deps: HistoryDeps, options: HistoryBackupOptions) {
    this.#deps = deps;
    this.#options = options;
    deps.ctx.hub.subscribe((event) => {
      if (event.type === 'message') this.#markDirty(event.conversationId);
      if (event.type === 'conversation_joined') this.#joined(event.conversationId);
    });
  }

  /** At start: every conversation is checked once, and restores left unfinished are resumed. */
  async resume(): Promise<void> {
    const { ctx, state } = this.#deps;
    for (const conversationId of await ctx.groups.conversationIds()) {
      this.#dirty.add(conversationId);
      if ((await state.floor(conversationId)).isRestorePending) {
        this.#restorePending.add(conversationId);
      }
    }
    this.#schedule(this.#restorePending.size > 0 ? 0 : this.#options.delayMs);
  }

  stop(): void {
    this.#isStopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Restores pending history and sends every changed block now. */
  async runNow(): Promise<void> {
    await this.#queue.run(() => this.#run());
  }

  /**
   * Fetches every block of the conversation in the user's backup and merges it into this
   * device's store. Returns how many messages were new to the device.
   */
  async restore(conversationId: string): Promise<number> {
    return this.#queue.run(async () => {
      const { floor } = await this.#deps.state.floor(conversationId);
      const count = await restoreBlocks(
        this.#deps,
        await this.#key(conversationId),
        conversationId,
        null,
        floor,
      );
      this.#deps.ctx.hub.emit({ type: 'history_restored', conversationId, count });
      this.#markDirty(conversationId);
      return count;
    });
  }

  #markDirty(conversationId: string): void {
    this.#dirty.add(conversationId);
    this.#schedule();
  }

  /** Called while the step that joined is being announced: the cursor is the join's seq. */
  #joined(conversationId: string): void {
    const { ctx, state } = this.#deps;
    // A cached cursor is read synchronously here, before any later event moves it.
    const floorRead = ctx.cursors.get(conversationId);
    this.#options.background('history_restore', async () => {
      const floor = await floorRead;
      // Nothing came before seq 1 (the commit that added the first members).
      const isRestorePending = floor > 1;
      await ctx.store.transaction([
        state.floorOperation(conversationId, { floor, isRestorePending }),
      ]);
      this.#dirty.add(conversationId);
      if (isRestorePending) this.#restorePending.add(conversationId);
      // A device that just joined shows its history at once; uploads wait for quiet.
      this.#schedule(isRestorePending ? 0 : this.#options.delayMs);
    });
  }

  /** Runs the backup after delayMs, or sooner when a run is due sooner already. */
  #schedule(delayMs = this.#options.delayMs): void {
    if (this.#isStopped) return;
    const dueAt = Date.now() + delayMs;
    if (this.#timer !== null) {
      if (this.#timerDueAt <= dueAt) return;
      clearTimeout(this.#timer);
    }
    this.#timerDueAt = dueAt;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#options.background('history_backup', async () => {
        try {
          await this.runNow();
        } catch (error) {
          this.#schedule(Math.max(delayMs, RETRY_DELAY_MS));
          throw error;
        }
      });
    }, delayMs);
  }

  async #key(conversationId: string): Promise<HistoryConversationKey> {
    return deriveHistoryConversationKey(this.#deps.ctx.account.historyKey, conversationId);
  }

  async #run(): Promise<void> {
    for (const conversationId of [...this.#restorePending]) {
      await this.#restoreBeforeJoin(conversationId);
      this.#restorePending.delete(conversationId);
    }
    const dirty = [...this.#dirty];
    this.#dirty.clear();
    for (const [index, conversationId] of dirty.entries()) {
      try {
        await this.#backUp(conversationId);
      } catch (error) {
        // Tried again at the next change or start; the error is reported by the caller.
        for (const id of dirty.slice(index)) this.#dirty.add(id);
        throw error;
      }
    }
  }

  async #restoreBeforeJoin(conversationId: string): Promise<void> {
    const { ctx, state } = this.#deps;
    const { floor, isRestorePending } = await state.floor(conversationId);
    if (!isRestorePending) return;
    const before = blockOfSeq(floor - 1) + 1;
    const key = await this.#key(conversationId);
    const count = await restoreBlocks(this.#deps, key, conversationId, before, floor);
    await ctx.store.transaction([
      state.floorOperation(conversationId, { floor, isRestorePending: false }),
    ]);
    ctx.hub.emit({ type: 'history_restored', conversationId, count });
    this.#dirty.add(conversationId);
  }

  async #blockContent(conversationId: string, block: number): Promise<BlockContent> {
    const records = await this.#deps.ctx.messages.messages(conversationId);
    const messages = groupIntoBlocks(records).get(block) ?? [];
    return { conversationId, block, messages };
  }

  async #backUp(conversationId: string): Promise<void> {
    const { ctx, state } = this.#deps;
    const blocks = groupIntoBlocks(await ctx.messages.messages(conversationId));
    const known = await state.blocks(conversationId);
    const written: number[] = [];
    let key: HistoryConversationKey | null = null;
    for (const [block, messages] of blocks) {
      const content: BlockContent = { conversationId, block, messages };
      const stored = known.get(block);
      if (stored?.digest === (await blockDigest(content))) continue;
      key ??= await this.#key(conversationId);
      if (await this.#write(key, content, stored?.revision ?? 0)) written.push(block);
    }
    if (written.length > 0) {
      ctx.hub.emit({ type: 'history_backed_up', conversationId, blocks: written });
    }
  }

  /** Writes the block, merging in another device's changes first when needed. True: written. */
  async #write(
    key: HistoryConversationKey,
    first: BlockContent,
    revision: number,
  ): Promise<boolean> {
    const { ctx, api, state } = this.#deps;
    const { conversationId, block } = first;
    let content = first;
    let expectedRevision = revision;
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const sealed = await sealHistoryBlock(
        key,
        positionOf(this.#deps, conversationId, block),
        encodeBlock(content),
      );
      if (sealed.length > MAX_HISTORY_BLOCK_BYTES) {
        ctx.hub.emit({
          type: 'engine_error',
          task: 'history_backup',
          code: 'history_block_too_large',
          message: `block ${block} of ${conversationId} is too large for the history backup`,
        });
        return false;
      }
      try {
        const written = await api.putBlock(conversationId, block, sealed, expectedRevision);
        const digest = await blockDigest(content);
        await ctx.store.transaction([
          state.blockOperation(conversationId, block, { digest, revision: written.revision }),
        ]);
        return true;
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'history_block_conflict') throw error;
      }
      const stored = await api.block(conversationId, block);
      expectedRevision = stored?.revision ?? 0;
      // An unreadable block is replaced by this device's view (it was refused visibly).
      const opened =
        stored === null ? null : await openStoredBlock(this.#deps, key, conversationId, stored);
      if (opened !== null) {
        const { floor } = await state.floor(conversationId);
        await importBlocks(this.#deps, conversationId, [opened], floor);
        content = await this.#blockContent(conversationId, block);
        if ((await blockDigest(content)) === (await blockDigest(opened.content))) return false;
      }
    }
    this.#markDirty(conversationId);
    return false;
  }
}
