import type { MessageContent, MessageIntent } from '@amtsbote/protocol';

/**
 * Content that answers a post rather than being one: in a channel, every member may send it.
 * Everything else is a post, including content types added later, until someone decides they
 * are responses: a new type is restricted in channels by default, never open by accident.
 */
const RESPONSE_CONTENT_TYPES: ReadonlySet<MessageContent['type']> = new Set([
  'acknowledge',
  'read',
  'reaction',
]);

/** The intent a message with this content declares to the server (see MESSAGE_INTENTS). */
export function intentOf(content: { readonly type: MessageContent['type'] }): MessageIntent {
  return RESPONSE_CONTENT_TYPES.has(content.type) ? 'response' : 'post';
}
