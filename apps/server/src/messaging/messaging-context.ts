import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../storage/schema.js';
import type { CursorWriter } from './cursor-writer.js';
import type { Delivery } from './delivery.js';

/** What the messaging use cases need, built once in the composition root and passed in. */
export interface MessagingContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly delivery: Delivery;
  /** Acks of all connections, written together (cursor-writer.ts). */
  readonly cursors: CursorWriter;
  readonly logger: Logger;
}
