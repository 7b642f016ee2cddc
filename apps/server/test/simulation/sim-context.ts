import type { Prng } from './prng.js';
import type { SimDevice } from './sim-device.js';
import type { SentText, SimConversation, SimModel } from './sim-model.js';
import type { SimWorld } from './sim-world.js';

/*
 * What every operation works with, and the choices they share. An operation returns the texts
 * it sent (so the model can place them), or null when it does not apply to the current state
 * (the scheduler then draws another one; only executed operations are counted).
 */

export interface SimContext {
  readonly world: SimWorld;
  readonly model: SimModel;
  readonly prng: Prng;
  /** A text no other message of the run carries. */
  nextText(): string;
  /** Notes what an operation did, for the trace of a replay (AMTSBOTE_SIM_TRACE). */
  trace(line: string): void;
}

export type OpResult = readonly SentText[] | null;
export type Operation = (ctx: SimContext) => Promise<OpResult>;

/** An operation that failed in part: the texts the server stored all the same. */
export class OperationFailure extends AggregateError {
  readonly sent: readonly SentText[];

  constructor(errors: readonly unknown[], sent: readonly SentText[]) {
    super(errors, 'part of the operation failed');
    this.sent = sent;
  }
}

/** Live devices of the user that the server routes in the conversation's group. */
export function routedDevicesOf(
  ctx: SimContext,
  conversation: SimConversation,
  userId: string,
): SimDevice[] {
  const { deviceIds } = ctx.model.snapshot(conversation.id);
  return ctx.world
    .user(userId)
    .devices.filter((d) => d.state !== 'revoked' && deviceIds.has(d.deviceId));
}

/** Online devices routed in the conversation's group. */
export function onlineMembers(ctx: SimContext, conversationId: string): SimDevice[] {
  const { deviceIds } = ctx.model.snapshot(conversationId);
  return ctx.world.liveDevices().filter((d) => d.isOnline && deviceIds.has(d.deviceId));
}

export async function ensureOnline(ctx: SimContext, device: SimDevice): Promise<void> {
  if (device.state === 'offline') await device.reconnect(ctx.world.server);
}

/** A device routed in the group that has not processed its Welcome yet catches up first. */
export async function ensureJoined(device: SimDevice, conversationId: string): Promise<void> {
  const summary = await device.client.conversation(conversationId);
  if (summary === null || summary.isRemoved) await device.client.sync();
}

export function pickConversation(
  ctx: SimContext,
  isEligible: (conversation: SimConversation) => boolean,
): SimConversation | null {
  const eligible = [...ctx.model.conversations.values()].filter(isEligible);
  if (eligible.length === 0) return null;
  const weights = Object.fromEntries(eligible.map((c) => [c.id, c.sendWeight]));
  const id = ctx.prng.weighted(weights);
  return ctx.model.conversations.get(id) ?? null;
}

/** A device of the owner, in the group, online and joined; null when the owner has none. */
export async function ownerDevice(
  ctx: SimContext,
  conversation: SimConversation,
): Promise<SimDevice | null> {
  const candidates = routedDevicesOf(ctx, conversation, conversation.ownerUserId);
  if (candidates.length === 0) return null;
  const device = ctx.prng.pick(candidates);
  await ensureOnline(ctx, device);
  await ensureJoined(device, conversation.id);
  return device;
}

/** Sends one text from the device and describes what the server stored. */
export async function sendText(
  ctx: SimContext,
  device: SimDevice,
  conversationId: string,
): Promise<SentText> {
  await ensureJoined(device, conversationId);
  const text = ctx.nextText();
  const label = ctx.model.conversations.get(conversationId)?.label ?? conversationId;
  ctx.trace(`${device.label} sends ${text} to ${label}`);
  const sent = await device.client.sendText(conversationId, text);
  ctx.trace(`${text} stored at seq ${sent.seq}`);
  return {
    conversationId,
    messageId: sent.messageId,
    seq: sent.seq,
    text,
    senderDeviceId: device.deviceId,
    senderUserId: device.userId,
  };
}

/** Users of the organisation who are not members of the conversation. */
export function nonMembers(ctx: SimContext, conversation: SimConversation): string[] {
  return ctx.world.users
    .map((u) => u.person.userId)
    .filter((id) => !conversation.memberUserIds.has(id));
}

/** Members the simulation may remove. */
export function removableMembers(conversation: SimConversation): string[] {
  return [...conversation.memberUserIds].filter((id) => !conversation.fixedUserIds.has(id));
}

/** The stable code of an error (the first one's, for several), or its class name. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof AggregateError) return errorCodeOf(error.errors[0]);
  if (error instanceof Error) {
    return 'code' in error && typeof error.code === 'string' ? error.code : error.name;
  }
  return typeof error;
}

export function describeError(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    const cause = error.cause === undefined ? '' : ` (cause: ${describeError(error.cause)})`;
    return `${code}${error.message}${cause}`;
  }
  return String(error);
}
