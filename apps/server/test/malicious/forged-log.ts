import { syncResponseSchema, type SyncEvent } from '@amtsbote/protocol';
import { z } from 'zod';
import type { TamperingFetch } from './tampering-fetch.js';

/*
 * A server that lies about one device's log: it edits the sync pages the device fetches
 * (leaves events out, reorders them, swaps what positions hold) and inserts events of its
 * own choosing (replays) as new positions. An insertion shifts every later position of that
 * conversation by one, in every later page, and the device's acknowledgements and the seqs of
 * its own sends are mapped back and forth, so the device sees one consistent log and the real
 * server keeps its own: the lie is undetectable by position alone.
 */

/** An event the server adds to the log right after the real position `afterSeq`. */
export interface Insertion {
  readonly afterSeq: number;
  readonly event: SyncEvent;
}

export type PageEntry = SyncEvent | Insertion;

/** Edits a page: gets the real events, returns what the device is to see, in that order. */
export type PageEdit = (events: readonly SyncEvent[]) => readonly PageEntry[];

const ackSchema = z.object({
  cursors: z.array(z.object({ conversationId: z.string(), seq: z.number() })),
});
const positionSchema = z.looseObject({ seq: z.number() });

const isInsertion = (entry: PageEntry): entry is Insertion => 'afterSeq' in entry;

export class ForgedLog {
  /** Every event the real server sent to the device, oldest first: material for replays. */
  readonly delivered: SyncEvent[] = [];
  /** Per conversation, the real positions after which an event was inserted. */
  readonly #anchors = new Map<string, number[]>();
  readonly #edits: PageEdit[] = [];

  constructor(tampering: TamperingFetch) {
    tampering.onResponse('GET', /^\/api\/sync$/, (body) => this.#page(body));
    tampering.onRequest('POST', /^\/api\/sync\/ack$/, (body) => this.#ack(body));
    tampering.onResponse(
      'POST',
      /^\/api\/conversations\/[^/]+\/(messages|commits)$/,
      (body, request) => {
        const conversationId = decodeURIComponent(request.path.split('/')[3] ?? '');
        const position = positionSchema.parse(body);
        return { ...position, seq: this.forged(conversationId, position.seq) };
      },
    );
  }

  /** Edits the next sync page the device fetches. */
  editNextPage(edit: PageEdit): void {
    this.#edits.push(edit);
  }

  /** The real events of a type the server sent to the device, in one conversation. */
  deliveredOf(conversationId: string, type: SyncEvent['type']): SyncEvent[] {
    return this.delivered.filter((e) => e.conversationId === conversationId && e.type === type);
  }

  /** The newest real position the server sent the device in the conversation; 0 if none. */
  lastSeq(conversationId: string): number {
    return Math.max(
      0,
      ...this.delivered.filter((e) => e.conversationId === conversationId).map((e) => e.seq),
    );
  }

  /** The position the device sees for a real position. */
  forged(conversationId: string, realSeq: number): number {
    return realSeq + this.#anchorsOf(conversationId).filter((a) => a < realSeq).length;
  }

  #anchorsOf(conversationId: string): number[] {
    return this.#anchors.get(conversationId) ?? [];
  }

  /** The real position a device's position stands for (an inserted one: the real one before). */
  #real(conversationId: string, forgedSeq: number): number {
    const inserted = this.#anchorsOf(conversationId).map((a) => this.forged(conversationId, a) + 1);
    return forgedSeq - inserted.filter((position) => position <= forgedSeq).length;
  }

  #page(body: unknown): unknown {
    const page = syncResponseSchema.parse(body);
    this.delivered.push(...page.events);
    const edit = this.#edits.shift();
    const entries = edit === undefined ? page.events : edit(page.events);
    for (const entry of entries.filter(isInsertion)) {
      const anchors = this.#anchorsOf(entry.event.conversationId);
      if (anchors.includes(entry.afterSeq)) throw new Error('one insertion per position');
      this.#anchors.set(entry.event.conversationId, [...anchors, entry.afterSeq]);
    }
    const events = entries.map((entry) =>
      isInsertion(entry)
        ? {
            ...entry.event,
            seq: this.forged(entry.event.conversationId, entry.afterSeq) + 1,
          }
        : { ...entry, seq: this.forged(entry.conversationId, entry.seq) },
    );
    return { ...page, events };
  }

  #ack(body: unknown): unknown {
    const { cursors } = ackSchema.parse(body);
    return {
      cursors: cursors.map((c) => ({ ...c, seq: this.#real(c.conversationId, c.seq) })),
    };
  }
}
