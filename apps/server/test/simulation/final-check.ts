import type { TimelineItem } from '@amtsbote/client';
import type { SimContext } from './sim-context.js';
import type { SimDevice } from './sim-device.js';
import type { ExpectedMessage, SimConversation } from './sim-model.js';

/*
 * The comparison at the end of a run (after settle()): the model against the server's views
 * and every live device's own — membership and epoch of each conversation, and each message
 * shown by exactly the devices that were in the group when it was stored, once each, with
 * nothing left undecryptable.
 */

export interface Violation {
  readonly kind: string;
  readonly detail: string;
}

const labels = (ctx: SimContext, deviceIds: Iterable<string>): string =>
  [...deviceIds]
    .map((id) => ctx.world.device(id)?.label ?? id)
    .sort()
    .join(', ');

function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}

/** The server's and each member device's view of the group against the model. */
async function checkMembership(
  ctx: SimContext,
  conversation: SimConversation,
): Promise<Violation[]> {
  const found: Violation[] = [];
  const snapshot = ctx.model.snapshot(conversation.id);
  const where = conversation.label;
  const userLabels = (ids: string[]): string =>
    ids.map((id) => ctx.world.user(id).label).join(', ');
  const missingUsers = difference(conversation.memberUserIds, snapshot.memberUserIds);
  const extraUsers = difference(snapshot.memberUserIds, conversation.memberUserIds);
  if (missingUsers.length + extraUsers.length > 0) {
    found.push({
      kind: 'server membership differs from the model',
      detail: `${where}: missing users [${userLabels(missingUsers)}], extra [${userLabels(extraUsers)}]`,
    });
  }
  const expected = new Set(
    [...conversation.memberUserIds].flatMap((userId) =>
      ctx.world
        .user(userId)
        .devices.filter((d) => d.state !== 'revoked')
        .map((d) => d.deviceId),
    ),
  );
  const unrouted = difference(expected, snapshot.deviceIds);
  const overRouted = difference(snapshot.deviceIds, expected);
  if (unrouted.length > 0) {
    found.push({
      kind: 'live device of a member not in the group (server view)',
      detail: `${where}: ${labels(ctx, unrouted)}`,
    });
  }
  if (overRouted.length > 0) {
    found.push({
      kind: 'server routes a device of no member',
      detail: `${where}: ${labels(ctx, overRouted)}`,
    });
  }
  for (const deviceId of expected) {
    const device = ctx.world.device(deviceId);
    if (device === undefined) continue;
    const summary = await device.client.conversation(conversation.id);
    if (summary === null || summary.isRemoved) {
      found.push({
        kind: 'member device not in the group (its own view)',
        detail: `${where}: ${device.label} ${summary === null ? 'never joined' : 'sees itself removed'}`,
      });
      continue;
    }
    if (summary.epoch !== snapshot.epoch) {
      found.push({
        kind: 'member device on another epoch',
        detail: `${where}: ${device.label} at ${summary.epoch}, server at ${snapshot.epoch}`,
      });
    }
    const members = new Set(summary.members.map((m) => m.deviceId));
    const extra = difference(members, expected);
    const missing = difference(expected, members);
    if (extra.length + missing.length > 0) {
      found.push({
        kind: 'member device sees another membership',
        detail: `${where}: ${device.label} has extra [${labels(ctx, extra)}], lacks [${labels(ctx, missing)}]`,
      });
    }
  }
  return found;
}

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

/**
 * One message on one device. Shown means a 'message' event: the device decrypted it (or sent
 * it), at most once. The user's history backup may also bring a message into the timeline,
 * without an event: one that another device of the same user could read.
 */
function checkMessage(
  device: SimDevice,
  message: ExpectedMessage,
  item: MessageItem | undefined,
): Violation | null {
  const shown = device.shownCount.get(message.messageId) ?? 0;
  const at = `${device.label}, ${message.text} (seq ${message.seq})`;
  if (shown > 1) return { kind: 'message shown more than once', detail: `${at}: ${shown} times` };
  if (message.mustRead.has(device.deviceId)) {
    if (item === undefined) return { kind: 'member misses a message', detail: at };
    const text = item.content?.type === 'text' ? item.content.text : null;
    if (text !== message.text || item.sender.deviceId !== message.senderDeviceId) {
      return { kind: 'message shown with other content or sender', detail: at };
    }
    return null;
  }
  if (message.mayRead.has(device.deviceId)) {
    if (item === undefined && shown > 0) return { kind: 'shown message not kept', detail: at };
    return null;
  }
  if (shown > 0) return { kind: 'non-member decrypted a message', detail: at };
  if (item === undefined) return null;
  const isUsersHistory = device.user.devices.some((d) => message.mayRead.has(d.deviceId));
  return isUsersHistory ? null : { kind: 'non-member has a message in the timeline', detail: at };
}

async function checkTimelines(ctx: SimContext, device: SimDevice): Promise<Violation[]> {
  const found: Violation[] = device.decryptFailures.map(({ code, at }) => ({
    kind: `decrypt_failed event (${code})`,
    detail: `${device.label}: ${at}`,
  }));
  const expected = [...ctx.model.messages.values()];
  for (const conversation of ctx.model.conversations.values()) {
    const timeline = await device.client.timeline(conversation.id);
    const items = new Map<string, MessageItem>();
    for (const item of timeline) {
      if (item.kind === 'undecryptable') {
        found.push({
          kind: `undecryptable in the timeline (${item.code})`,
          detail: `${device.label}, ${conversation.label} seq ${item.seq} (${item.eventType})`,
        });
      } else if (item.kind === 'message' && item.content?.type === 'text') {
        if (!ctx.model.messages.has(item.messageId)) {
          found.push({
            kind: 'message the model does not know',
            detail: `${device.label}: ${item.content.text}`,
          });
        }
        items.set(item.messageId, item);
      }
    }
    for (const message of expected) {
      if (message.conversationId !== conversation.id) continue;
      const violation = checkMessage(device, message, items.get(message.messageId));
      if (violation !== null) found.push(violation);
    }
  }
  return found;
}

export async function check(ctx: SimContext): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const conversation of ctx.model.conversations.values()) {
    found.push(...(await checkMembership(ctx, conversation)));
  }
  for (const device of ctx.world.liveDevices()) found.push(...(await checkTimelines(ctx, device)));
  return found;
}

/** Counts per kind and the first examples of each, short enough to read in a test failure. */
export function summarize(violations: readonly Violation[], examplesPerKind = 5): string[] {
  const byKind = new Map<string, string[]>();
  for (const v of violations) byKind.set(v.kind, [...(byKind.get(v.kind) ?? []), v.detail]);
  return [...byKind].flatMap(([kind, details]) => [
    `${kind}: ${details.length}`,
    ...details.slice(0, examplesPerKind).map((d) => `    ${d}`),
  ]);
}
