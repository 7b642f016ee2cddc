import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Principal } from '../identity/sessions.js';
import type { Database } from '../storage/schema.js';
import { invalidField } from './bytes.js';
import { epochConflict } from './commit-service.js';
import type { RelayedEphemeral } from './delivery.js';
import type { MessagingContext } from './messaging-context.js';

/*
 * Ephemeral messages (typing indicators): MLS application messages that the server relays to the
 * conversation's devices connected at this moment and then forgets. Nothing is written: no event,
 * no seq, no cursor; a device that is offline never sees them, and nothing re-sends them. The
 * ciphertext is never logged.
 */

export interface EphemeralMessage {
  readonly conversationId: string;
  readonly epoch: number;
  readonly ciphertext: Uint8Array;
}

interface LiveRouting {
  readonly epoch: number;
  /** Routed now (no end of interval), not revoked, of an active user who is a member. */
  readonly deviceIds: readonly string[];
}

/** The conversation's epoch and its live routed devices in one query; undefined: no such one. */
async function readLiveRouting(
  db: Kysely<Database>,
  organizationId: string,
  conversationId: string,
): Promise<LiveRouting | undefined> {
  const rows = await db
    .selectFrom('conversations as c')
    .leftJoin('conversation_devices as cd', (join) =>
      join.onRef('cd.conversation_id', '=', 'c.id').on('cd.until_seq', 'is', null),
    )
    .leftJoin('devices as d', (join) =>
      join.onRef('d.id', '=', 'cd.device_id').on('d.revoked_at', 'is', null),
    )
    .leftJoin('users as u', (join) =>
      join.onRef('u.id', '=', 'd.user_id').on('u.status', '=', 'active'),
    )
    .leftJoin('conversation_members as m', (join) =>
      join
        .onRef('m.conversation_id', '=', 'c.id')
        .onRef('m.user_id', '=', 'u.id')
        .on('m.removed_at', 'is', null),
    )
    .select(['c.epoch', 'd.id as device_id', 'm.user_id as member_user_id'])
    .where('c.id', '=', conversationId)
    .where('c.organization_id', '=', organizationId)
    .execute();
  const [first] = rows;
  if (first === undefined) return undefined;
  return {
    epoch: first.epoch,
    deviceIds: rows.flatMap((r) =>
      r.device_id !== null && r.member_user_id !== null ? [r.device_id] : [],
    ),
  };
}

/**
 * Relays the message to the other live routed devices of the conversation that are connected.
 * The sender's device must be routed in the conversation now. Every refusal of a conversation
 * the device cannot write to is the same not_a_member, whether the conversation exists or not.
 * A message of another epoch than the conversation's is refused: no member could read it.
 */
export async function relayEphemeral(
  ctx: MessagingContext,
  principal: Principal,
  message: EphemeralMessage,
): Promise<void> {
  if (message.ciphertext.length === 0) throw invalidField('ciphertext', 'must not be empty');
  const routing = await readLiveRouting(ctx.db, principal.organizationId, message.conversationId);
  if (routing === undefined || !routing.deviceIds.includes(principal.deviceId)) {
    throw new AppError(403, 'not_a_member', 'this device is not in the group');
  }
  if (message.epoch !== routing.epoch) throw epochConflict(routing.epoch);
  const recipients = routing.deviceIds.filter((id) => id !== principal.deviceId);
  if (recipients.length === 0) return;
  const relayed: RelayedEphemeral = { ...message, senderDeviceId: principal.deviceId };
  ctx.delivery.pushEphemeral(recipients, relayed);
}
