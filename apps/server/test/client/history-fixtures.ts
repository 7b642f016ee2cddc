import { deriveHistoryConversationKey, openHistoryBlock } from '@amtsbote/crypto';
import type { MessagingEvent } from '@amtsbote/client';
import { asBytes } from '../../src/messaging/bytes.js';
import type { TestServer } from '../support/test-server.js';
import { eventually, type TestDevice } from './client-fixtures.js';

/* Helpers of the history backup suites: the stored blocks as the database holds them, opened
   with the user's history key read from a device's (encrypted) local store, as only the user's
   devices can. */

export interface StoredBlockRow {
  readonly block: number;
  readonly revision: number;
  readonly ciphertext: Uint8Array;
}

export async function storedBlocks(
  server: TestServer,
  userId: string,
  conversationId: string,
): Promise<StoredBlockRow[]> {
  const rows = await server.handle.storage.db
    .selectFrom('history_blocks')
    .select(['block', 'revision', 'ciphertext'])
    .where('user_id', '=', userId)
    .where('conversation_id', '=', conversationId)
    .orderBy('block')
    .execute();
  return rows.map((r) => ({ ...r, ciphertext: asBytes(r.ciphertext) }));
}

/** The plaintext of every stored block of the user's backup of the conversation. */
export async function openedBlocks(
  server: TestServer,
  device: TestDevice,
  conversationId: string,
): Promise<string[]> {
  const historyKey = await device.store.get('identity', 'history-key');
  if (historyKey === null) throw new Error('the device holds no history key');
  const key = await deriveHistoryConversationKey(historyKey, conversationId);
  const texts: string[] = [];
  for (const row of await storedBlocks(server, device.client.userId, conversationId)) {
    const position = { userId: device.client.userId, conversationId, block: row.block };
    const plaintext = await openHistoryBlock(key, position, row.ciphertext);
    texts.push(new TextDecoder().decode(plaintext));
  }
  return texts;
}

/** Waits for the device's first event of this type for the conversation. */
export async function eventFor<T extends MessagingEvent['type']>(
  device: TestDevice,
  type: T,
  conversationId: string,
): Promise<Extract<MessagingEvent, { type: T }>> {
  const find = () =>
    device.events.find(
      (e): e is Extract<MessagingEvent, { type: T }> =>
        e.type === type && 'conversationId' in e && e.conversationId === conversationId,
    );
  await eventually(
    () => Promise.resolve(find()),
    (event) => event !== undefined,
    `${type} for ${conversationId} on ${device.grant.user.username}'s device`,
  );
  const event = find();
  if (event === undefined) throw new Error('unreachable: the event was found before');
  return event;
}
