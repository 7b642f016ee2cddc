import { normaliseMessage, type BlockMessage } from './history-block.js';

/*
 * How a device combines its own view of a message with the backup's (another device of the same
 * user wrote it). The device's view is complete for the messages it received itself, i.e. those
 * after the seq at which it joined (its floor): there it wins. Before its floor it knows only
 * what a backup told it, so the backup wins, except that
 *   - a deletion wins everywhere: once either side erased the content, it stays erased, so the
 *     backup can never bring deleted content back;
 *   - the later edit wins (edits carry the server's time of the edit);
 *   - acknowledgements only accumulate.
 */

function isSameMessage(a: BlockMessage, b: BlockMessage): boolean {
  return (
    a.messageId === b.messageId &&
    a.seq === b.seq &&
    a.sentAt === b.sentAt &&
    a.senderUserId === b.senderUserId &&
    a.senderDeviceId === b.senderDeviceId
  );
}

const editTime = (message: BlockMessage): number =>
  message.editedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(message.editedAt);

/**
 * The merged view of one message. `isLocalComplete`: this device received the message itself
 * (its seq is above the device's floor). A backup record that disagrees on who sent the message
 * or where it stands is ignored.
 */
export function mergeMessage(
  local: BlockMessage | null,
  backup: BlockMessage,
  isLocalComplete: boolean,
): BlockMessage {
  if (local === null) return normaliseMessage(backup);
  if (!isSameMessage(local, backup) || local.isDeleted) return normaliseMessage(local);
  if (backup.isDeleted) return normaliseMessage(backup);
  if (isLocalComplete) return normaliseMessage(local);
  const newerEdit = editTime(local) > editTime(backup) ? local : backup;
  return normaliseMessage({
    ...backup,
    content: newerEdit.content,
    editedAt: newerEdit.editedAt,
    acknowledgedBy: [...backup.acknowledgedBy, ...local.acknowledgedBy],
  });
}

/** Both views of a block merged message by message, in seq order. */
export function mergeBlockMessages(
  local: readonly BlockMessage[],
  backup: readonly BlockMessage[],
  floor: number,
): BlockMessage[] {
  const merged = new Map<string, BlockMessage>();
  for (const message of local) merged.set(message.messageId, normaliseMessage(message));
  for (const message of backup) {
    const mine = merged.get(message.messageId) ?? null;
    // Another message at the same seq: the backup disagrees with what this device received.
    if (mine === null && local.some((m) => m.seq === message.seq)) continue;
    merged.set(message.messageId, mergeMessage(mine, message, mine !== null && mine.seq > floor));
  }
  return [...merged.values()].sort((a, b) => a.seq - b.seq);
}
