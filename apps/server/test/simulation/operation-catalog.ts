import { goOffline, newDevice, reconnect, restartServer, revokeDevice } from './device-ops.js';
import { addMember, concurrentCommits, removeMember, sendDuringCommit } from './membership-ops.js';
import { redeliver, send, sync } from './message-ops.js';
import type { Operation } from './sim-context.js';

/* The operations a run draws from, how often, and after which the views are read again. */

export const OPERATIONS = {
  send,
  sync,
  redeliver,
  goOffline,
  reconnect,
  addMember,
  removeMember,
  concurrentCommits,
  sendDuringCommit,
  newDevice,
  revokeDevice,
  restartServer,
} as const satisfies Record<string, Operation>;
export type OperationName = keyof typeof OPERATIONS;

/** Relative frequencies: sends most; commits few (each costs every member device work). */
export const WEIGHTS: Readonly<Record<OperationName, number>> = {
  send: 55,
  sync: 4,
  redeliver: 3,
  goOffline: 3,
  reconnect: 3,
  addMember: 1.2,
  removeMember: 1.2,
  concurrentCommits: 0.6,
  sendDuringCommit: 0.5,
  newDevice: 0.15,
  revokeDevice: 0.15,
  restartServer: 0.1,
};

/**
 * Operations after which the views are read again: they change routing (membership,
 * revocations) or may commit (a device that comes back joins or cleans up on start). Others
 * may commit in the background too (a sync can); a send that is not the next seq of its
 * conversation shows that, and the views are read then.
 */
export const REREADS_VIEWS: ReadonlySet<OperationName> = new Set([
  'addMember',
  'removeMember',
  'concurrentCommits',
  'sendDuringCommit',
  'newDevice',
  'revokeDevice',
  'reconnect',
]);
