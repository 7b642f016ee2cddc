import type { Migration } from 'kysely';
import * as m0001 from './0001-identity.js';
import * as m0002 from './0002-messaging.js';
import * as m0003 from './0003-device-links.js';
import * as m0005 from './0005-channel-intent.js';
import * as m0006 from './0006-history-backup.js';
import * as m0007 from './0007-member-departure.js';
import * as m0008 from './0008-routing-gaps.js';
import * as m0009 from './0009-departed-seq.js';
import * as m0010 from './0010-files.js';
import * as m0011 from './0011-transfers.js';
import * as m0012 from './0012-file-policy.js';
import * as m0013 from './0013-push-subscriptions.js';
import * as m0014 from './0014-device-policy.js';
import * as m0015 from './0015-liveness-indexes.js';

/**
 * Every migration, in order. Names are numbered and never change once released; a migration
 * is never edited after release, only followed by a new one. Each has a test in test/migrations.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-identity': m0001,
  '0002-messaging': m0002,
  '0003-device-links': m0003,
  '0005-channel-intent': m0005,
  '0006-history-backup': m0006,
  '0007-member-departure': m0007,
  '0008-routing-gaps': m0008,
  '0009-departed-seq': m0009,
  '0010-files': m0010,
  '0011-transfers': m0011,
  '0012-file-policy': m0012,
  '0013-push-subscriptions': m0013,
  '0014-device-policy': m0014,
  '0015-liveness-indexes': m0015,
};
