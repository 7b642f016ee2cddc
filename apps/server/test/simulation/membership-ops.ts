import {
  ensureJoined,
  ensureOnline,
  nonMembers,
  onlineMembers,
  OperationFailure,
  ownerDevice,
  pickConversation,
  removableMembers,
  routedDevicesOf,
  sendText,
  type OpResult,
  type SimContext,
} from './sim-context.js';
import type { SimDevice } from './sim-device.js';
import type { SentText, SimConversation } from './sim-model.js';

/*
 * Membership operations, done by the owner's devices through the client API (server
 * membership first, then the MLS commit). The concurrent ones start two changes at once, so
 * one commit loses the epoch and must be built again on the winner's.
 */

interface Change {
  readonly kind: 'add' | 'remove';
  readonly userId: string;
}

const canAdd = (ctx: SimContext, c: SimConversation): boolean =>
  c.kind === 'group' && c.memberUserIds.size < c.maxMembers && nonMembers(ctx, c).length > 0;
const canRemove = (c: SimConversation): boolean =>
  c.kind === 'group' && c.memberUserIds.size > c.minMembers && removableMembers(c).length > 0;

async function apply(
  ctx: SimContext,
  device: SimDevice,
  conversation: SimConversation,
  change: Change,
): Promise<void> {
  const user = ctx.world.user(change.userId).label;
  ctx.trace(`${device.label} ${change.kind}s ${user} in ${conversation.label}`);
  if (change.kind === 'add') {
    await device.client.addMembers(conversation.id, [change.userId]);
    conversation.memberUserIds.add(change.userId);
  } else {
    await device.client.removeMembers(conversation.id, [change.userId]);
    conversation.memberUserIds.delete(change.userId);
  }
}

export async function addMember(ctx: SimContext): Promise<OpResult> {
  const conversation = pickConversation(ctx, (c) => canAdd(ctx, c));
  if (conversation === null) return null;
  const actor = await ownerDevice(ctx, conversation);
  if (actor === null) return null;
  const userId = ctx.prng.pick(nonMembers(ctx, conversation));
  await apply(ctx, actor, conversation, { kind: 'add', userId });
  return [];
}

export async function removeMember(ctx: SimContext): Promise<OpResult> {
  const conversation = pickConversation(ctx, canRemove);
  if (conversation === null) return null;
  const actor = await ownerDevice(ctx, conversation);
  if (actor === null) return null;
  const userId = ctx.prng.pick(removableMembers(conversation));
  await apply(ctx, actor, conversation, { kind: 'remove', userId });
  return [];
}

function rejectionsOf(outcomes: readonly PromiseSettledResult<unknown>[]): unknown[] {
  return outcomes.flatMap((o): unknown[] => (o.status === 'rejected' ? [o.reason] : []));
}

/** Two different users, each added or removed, within the group's size bounds. */
function twoChanges(ctx: SimContext, conversation: SimConversation): [Change, Change] | null {
  const options: Change[] = [
    ...nonMembers(ctx, conversation).map((userId): Change => ({ kind: 'add', userId })),
    ...removableMembers(conversation).map((userId): Change => ({ kind: 'remove', userId })),
  ];
  for (let attempt = 0; attempt < 5; attempt++) {
    const [a, b] = ctx.prng.shuffle(options);
    if (a === undefined || b === undefined) return null;
    const delta = [a, b].reduce((sum, c) => sum + (c.kind === 'add' ? 1 : -1), 0);
    const size = conversation.memberUserIds.size + delta;
    if (size >= conversation.minMembers && size <= conversation.maxMembers) return [a, b];
  }
  return null;
}

/** Two devices of the owner change the membership at the same time. */
export async function concurrentCommits(ctx: SimContext): Promise<OpResult> {
  const conversation = pickConversation(
    ctx,
    (c) => c.kind === 'group' && routedDevicesOf(ctx, c, c.ownerUserId).length >= 2,
  );
  if (conversation === null) return null;
  const changes = twoChanges(ctx, conversation);
  if (changes === null) return null;
  const devices = ctx.prng
    .shuffle(routedDevicesOf(ctx, conversation, conversation.ownerUserId))
    .slice(0, 2);
  for (const device of devices) {
    await ensureOnline(ctx, device);
    await ensureJoined(device, conversation.id);
  }
  const outcomes = await Promise.allSettled(
    devices.map((device, i) => apply(ctx, device, conversation, changes[i]!)),
  );
  const failures = rejectionsOf(outcomes);
  if (failures.length > 0) throw new OperationFailure(failures, []);
  return [];
}

/** The owner adds a user while another member sends: the message lands before or after. */
export async function sendDuringCommit(ctx: SimContext): Promise<OpResult> {
  const conversation = pickConversation(
    ctx,
    (c) => canAdd(ctx, c) && onlineMembers(ctx, c.id).some((d) => d.userId !== c.ownerUserId),
  );
  if (conversation === null) return null;
  const actor = await ownerDevice(ctx, conversation);
  if (actor === null) return null;
  const senders = onlineMembers(ctx, conversation.id).filter((d) => d !== actor);
  if (senders.length === 0) return null;
  const sender = ctx.prng.pick(senders);
  const userId = ctx.prng.pick(nonMembers(ctx, conversation));
  const [added, sent] = await Promise.allSettled([
    apply(ctx, actor, conversation, { kind: 'add', userId }),
    sendText(ctx, sender, conversation.id),
  ]);
  const failures = rejectionsOf([added, sent]);
  const texts: SentText[] = sent.status === 'fulfilled' ? [sent.value] : [];
  if (failures.length > 0) throw new OperationFailure(failures, texts);
  return texts;
}
