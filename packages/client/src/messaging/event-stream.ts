import type { SerialQueue } from '../store/serial-queue.js';
import { commitStep, type EngineContext } from './engine-context.js';
import { stepForEvent } from './event-processor.js';
import { fromSyncEvent, type IncomingEvent } from './incoming-event.js';
import type { Cursor } from './messaging-api.js';

/** Events per sync page. */
export const SYNC_PAGE_SIZE = 200;
/** A sync stops after this many pages and continues at the next trigger. */
const MAX_PAGES_PER_SYNC = 1000;

/*
 * The device's stream, from HTTP sync pages and from WebSocket pushes, through one code path:
 * each event becomes a step, written in one transaction, then the positions are acknowledged.
 * Everything that reads or changes group state runs under the engine lock (the SerialQueue),
 * so events, sends and commits of this device never interleave.
 */
export class EventStream {
  readonly #ctx: EngineContext;
  readonly #lock: SerialQueue;
  /** Acknowledges over the WebSocket when connected; false when it could not. */
  readonly #liveAck: (cursors: readonly Cursor[]) => boolean;

  constructor(
    ctx: EngineContext,
    lock: SerialQueue,
    liveAck: (cursors: readonly Cursor[]) => boolean,
  ) {
    this.#ctx = ctx;
    this.#lock = lock;
    this.#liveAck = liveAck;
  }

  /** Fetches and processes everything the server holds for this device. */
  async sync(): Promise<void> {
    await this.#lock.run(() => this.syncUnlocked());
  }

  /** sync() for callers that already hold the lock. */
  async syncUnlocked(): Promise<void> {
    for (let page = 0; page < MAX_PAGES_PER_SYNC; page++) {
      const { events, hasMore } = await this.#ctx.api.sync(SYNC_PAGE_SIZE);
      const { cursors, hasProgress } = await this.processUnlocked(events.map(fromSyncEvent));
      // Over HTTP, so the next page is computed after the server moved the cursors.
      await this.#ctx.api.acknowledge(cursors);
      // No progress means the page holds only events this device skips without moving on.
      if (!hasMore || !hasProgress) return;
    }
  }

  /**
   * Processes events in log order (by seq within each conversation, whatever order the page
   * lists them in) and returns the cursors of the conversations they touched, for the
   * acknowledgement.
   */
  async processUnlocked(
    events: readonly IncomingEvent[],
  ): Promise<{ cursors: Cursor[]; hasProgress: boolean }> {
    const before = new Map<string, number>();
    for (const event of inLogOrder(events)) {
      const { conversationId } = event;
      if (!before.has(conversationId)) {
        before.set(conversationId, await this.#ctx.cursors.get(conversationId));
      }
      await commitStep(this.#ctx, await stepForEvent(this.#ctx, event));
    }
    const cursors: Cursor[] = [];
    let hasProgress = false;
    for (const [conversationId, seq] of before) {
      const now = await this.#ctx.cursors.get(conversationId);
      if (now !== seq) hasProgress = true;
      if (now > 0) cursors.push({ conversationId, seq: now });
    }
    return { cursors, hasProgress };
  }

  /**
   * A pushed event. Pushes are best effort and may overtake each other or a missed one, so an
   * event that is not the next of its conversation triggers a sync instead (which also brings
   * this one); a Welcome into a conversation this device is not in starts it and is taken as
   * it comes (the events in between were not routed to this device).
   */
  async receiveLive(event: IncomingEvent): Promise<void> {
    await this.#lock.run(async () => {
      const cursor = await this.#ctx.cursors.get(event.conversationId);
      const isAhead = event.seq > cursor + 1;
      if (isAhead && (event.type !== 'welcome' || (await this.#isInGroup(event.conversationId)))) {
        await this.syncUnlocked();
        return;
      }
      const { cursors } = await this.processUnlocked([event]);
      await this.acknowledge(cursors);
    });
  }

  async #isInGroup(conversationId: string): Promise<boolean> {
    const group = await this.#ctx.groups.group(conversationId);
    return group !== null && !group.isRemoved;
  }

  /**
   * Before applying this device's own message or commit at seq: processes the events before it
   * that this device has not seen yet (they belong before it, and to the epoch before a commit).
   */
  async catchUpUnlocked(conversationId: string, seq: number): Promise<void> {
    if (seq > (await this.#ctx.cursors.get(conversationId)) + 1) await this.syncUnlocked();
  }

  /** Events obtained elsewhere (a push notification, a test): processed exactly like sync. */
  async receive(events: readonly IncomingEvent[]): Promise<void> {
    await this.#lock.run(async () => {
      const { cursors } = await this.processUnlocked(events);
      await this.#ctx.api.acknowledge(cursors);
    });
  }

  async acknowledge(cursors: readonly Cursor[]): Promise<void> {
    if (cursors.length === 0 || this.#liveAck(cursors)) return;
    await this.#ctx.api.acknowledge(cursors);
  }
}

/**
 * A conversation's events by seq. Processed in any other order, an event would move the cursor
 * past earlier ones, which would then be skipped as duplicates: a server that reorders a page
 * could make a device lose commits. Conversations keep the order of their first event.
 */
function inLogOrder(events: readonly IncomingEvent[]): IncomingEvent[] {
  const rank = new Map<string, number>();
  for (const event of events) {
    if (!rank.has(event.conversationId)) rank.set(event.conversationId, rank.size);
  }
  const rankOf = (event: IncomingEvent): number => rank.get(event.conversationId) ?? 0;
  return [...events].sort((a, b) => rankOf(a) - rankOf(b) || a.seq - b.seq);
}
