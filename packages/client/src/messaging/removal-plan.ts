import type { MemberRef } from './messaging-events.js';

/*
 * Which devices this device removes from a group because the server's roster no longer routes
 * them (ADR 0008), with the sanity checks that keep a stale or partial roster from emptying a
 * group: the roster must be for the group's own epoch and list this device; this device never
 * removes itself; a plan that would leave it alone needs a second, separate read to agree.
 */

export interface RosterSnapshot {
  readonly epoch: number;
  /** The devices the server routes in the conversation. */
  readonly deviceIds: readonly string[];
}

export type RemovalPlan =
  | { readonly kind: 'nothing' }
  /** The roster is for another epoch, or does not list this device: do not act on it. */
  | { readonly kind: 'roster_not_current' }
  | {
      readonly kind: 'remove';
      readonly deviceIds: readonly string[];
      /** Every other device goes: confirm with a second read first. */
      readonly isLeavingSelfAlone: boolean;
    };

export function planRemovals(
  group: { readonly epoch: number; readonly members: readonly MemberRef[] },
  roster: RosterSnapshot,
  selfDeviceId: string,
): RemovalPlan {
  const routed = new Set(roster.deviceIds);
  if (roster.epoch !== group.epoch || !routed.has(selfDeviceId)) {
    return { kind: 'roster_not_current' };
  }
  const others = group.members.filter((m) => m.deviceId !== selfDeviceId);
  const deviceIds = others.filter((m) => !routed.has(m.deviceId)).map((m) => m.deviceId);
  if (deviceIds.length === 0) return { kind: 'nothing' };
  return { kind: 'remove', deviceIds, isLeavingSelfAlone: deviceIds.length === others.length };
}

/** Whether a second read of the roster agrees with the plan (same epoch, all still gone). */
export function confirmsRemovals(
  plan: { readonly deviceIds: readonly string[] },
  first: RosterSnapshot,
  again: RosterSnapshot | null,
  selfDeviceId: string,
): boolean {
  return (
    again !== null &&
    again.epoch === first.epoch &&
    again.deviceIds.includes(selfDeviceId) &&
    !plan.deviceIds.some((id) => again.deviceIds.includes(id))
  );
}
