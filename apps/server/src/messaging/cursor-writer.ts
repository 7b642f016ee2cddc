import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { advanceCursors, type Cursor, type DeviceCursor } from './events-store.js';

/*
 * Acknowledgements from all connections, written together. Every device acknowledges what it
 * received, so under load acks are as many as messages; one statement each would double the
 * database's work per message. Acks that arrive while a write is running wait for it and then
 * go out in one statement; an ack on an idle server is written at once (after the current
 * turn of the event loop, which gathers the acks that arrived with it). One write runs at a
 * time, so writes never deadlock one another.
 */

/** Cursors per statement: a bigger backlog is written in several. */
export const MAX_CURSORS_PER_WRITE = 5_000;

/** PostgreSQL's deadlock and serialization failures: the write is tried again. */
const RETRIED_CODES = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

interface PendingAck {
  readonly deviceId: string;
  readonly cursors: readonly Cursor[];
  readonly resolve: (hasWelcomes: boolean) => void;
  readonly reject: (error: unknown) => void;
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** One row per (device, conversation): the furthest seq given. */
function mergeCursors(acks: readonly PendingAck[]): DeviceCursor[] {
  const furthest = new Map<string, DeviceCursor>();
  for (const ack of acks) {
    for (const cursor of ack.cursors) {
      const key = `${ack.deviceId}/${cursor.conversationId}`;
      const known = furthest.get(key);
      if (known === undefined || known.seq < cursor.seq) {
        furthest.set(key, { deviceId: ack.deviceId, ...cursor });
      }
    }
  }
  return [...furthest.values()];
}

export class CursorWriter {
  readonly #db: Kysely<Database>;
  #pending: PendingAck[] = [];
  #draining: Promise<void> | null = null;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Moves the device's cursors forward (never back) once written; resolves whether a welcome
   * waits for the device. Rejects when the write failed: nothing of this ack was written.
   */
  advance(deviceId: string, cursors: readonly Cursor[]): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ deviceId, cursors, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once every ack handed in so far is written or refused. */
  async close(): Promise<void> {
    while (this.#draining !== null) await this.#draining;
  }

  #schedule(): void {
    if (this.#draining !== null) return;
    this.#draining = new Promise<void>((turnEnded) => setImmediate(turnEnded))
      .then(() => this.#drain())
      .finally(() => {
        this.#draining = null;
        // Acks handed in after the loop saw the queue empty.
        if (this.#pending.length > 0) this.#schedule();
      });
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#takeBatch();
      try {
        const withWelcomes = await this.#write(mergeCursors(batch));
        for (const ack of batch) ack.resolve(withWelcomes.has(ack.deviceId));
      } catch (error) {
        await this.#writeEach(batch, error);
      }
    }
  }

  /** Whole acks, up to MAX_CURSORS_PER_WRITE cursors (at least one ack). */
  #takeBatch(): PendingAck[] {
    let cursors = 0;
    let count = 0;
    while (count < this.#pending.length) {
      const size = this.#pending[count]?.cursors.length ?? 0;
      if (count > 0 && cursors + size > MAX_CURSORS_PER_WRITE) break;
      cursors += size;
      count += 1;
    }
    return this.#pending.splice(0, count);
  }

  /**
   * A failed batch is written ack by ack, so one ack the database refuses fails alone and the
   * others' are not lost with it.
   */
  async #writeEach(batch: readonly PendingAck[], batchError: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0]?.reject(batchError);
      return;
    }
    for (const ack of batch) {
      try {
        const withWelcomes = await this.#write(mergeCursors([ack]));
        ack.resolve(withWelcomes.has(ack.deviceId));
      } catch (error) {
        ack.reject(error);
      }
    }
  }

  async #write(cursors: readonly DeviceCursor[]): Promise<Set<string>> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await advanceCursors(this.#db, cursors);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRIED_CODES.has(String(errorCode(error)))) throw error;
      }
    }
  }
}
