import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Database } from '../storage/schema.js';
import type { Delivery } from './delivery.js';

/** What the messaging use cases need, built once in the composition root and passed in. */
export interface MessagingContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly delivery: Delivery;
  readonly logger: Logger;
}
