import type { Migration } from 'kysely';
import * as m0001 from './0001-identity.js';
import * as m0002 from './0002-messaging.js';

/**
 * Every migration, in order. Names are numbered and never change once released; a migration
 * is never edited after release, only followed by a new one. Each has a test in test/migrations.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-identity': m0001,
  '0002-messaging': m0002,
};
