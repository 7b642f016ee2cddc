import { messageContentSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import { JsonCollection } from '../store/json-collection.js';
import type { LocalStore, StoreOperation } from '../store/local-store.js';
import type { IncomingContent } from './apply-content.js';

/*
 * Changes (edit, delete, reaction, acknowledgement) to a message this device does not hold, in
 * the 'messages' collection under p/<conversation>/<target>/<seq>. Such a message was usually
 * sent before the device joined; when the history backup brings it later, these changes are
 * applied to it, so that e.g. a deletion seen after joining is not undone by an older backup.
 */

const SEQ_DIGITS = 16;
const targetPrefix = (conversationId: string, targetId: string): string =>
  `p/${conversationId}/${targetId}/`;

const pendingControlSchema = z.strictObject({
  v: z.literal(1),
  messageId: z.uuid(),
  seq: z.number().int().min(0),
  sentAt: z.string(),
  senderUserId: z.uuid(),
  senderDeviceId: z.uuid(),
  content: messageContentSchema,
});

export interface PendingControl {
  readonly key: string;
  readonly input: IncomingContent;
}

export class PendingControls {
  readonly #records: JsonCollection<z.infer<typeof pendingControlSchema>>;

  constructor(store: LocalStore) {
    this.#records = new JsonCollection(store, 'messages', pendingControlSchema);
  }

  operation(targetId: string, input: IncomingContent): StoreOperation {
    const key = `${targetPrefix(input.conversationId, targetId)}${String(input.seq).padStart(SEQ_DIGITS, '0')}`;
    return this.#records.putOperation(key, {
      v: 1,
      messageId: input.messageId,
      seq: input.seq,
      sentAt: input.sentAt,
      senderUserId: input.sender.userId,
      senderDeviceId: input.sender.deviceId,
      content: input.content,
    });
  }

  /** The changes waiting for the message, oldest first. */
  async forTarget(conversationId: string, targetId: string): Promise<PendingControl[]> {
    const controls: PendingControl[] = [];
    for (const key of await this.#records.keys({
      prefix: targetPrefix(conversationId, targetId),
    })) {
      const record = await this.#records.get(key);
      if (record === null) continue;
      controls.push({
        key,
        input: {
          conversationId,
          messageId: record.messageId,
          seq: record.seq,
          sentAt: record.sentAt,
          sender: { userId: record.senderUserId, deviceId: record.senderDeviceId },
          content: record.content,
        },
      });
    }
    return controls.sort((a, b) => a.input.seq - b.input.seq);
  }

  deleteOperation(key: string): StoreOperation {
    return this.#records.deleteOperation(key);
  }
}
