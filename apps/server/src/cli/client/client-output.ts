import { base64urlEncode } from '@amtsbote/crypto';
import type { ConversationSummary, MessagingEvent, TimelineItem } from '@amtsbote/client';

/** JSON with byte arrays as base64url, one value per line (for `listen`) or pretty. */
export function toJson(value: unknown, isPretty = true): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (v instanceof Uint8Array ? base64urlEncode(v) : v),
    isPretty ? 2 : undefined,
  );
}

export interface MessageLine {
  readonly messageId: string;
  readonly seq: number;
  readonly sender: { readonly userId: string; readonly deviceId: string };
  readonly sentAt: string;
  /** null for other content (files, polls) and deleted messages. */
  readonly text: string | null;
  readonly contentType: string | null;
}

export function messageLines(timeline: readonly TimelineItem[]): MessageLine[] {
  return timeline.flatMap((item) =>
    // The conversation's name and topic travel as a metadata message; it is no message to show.
    item.kind === 'message' && item.content?.type !== 'metadata'
      ? [
          {
            messageId: item.messageId,
            seq: item.seq,
            sender: item.sender,
            sentAt: item.sentAt,
            text: item.content?.type === 'text' ? item.content.text : null,
            contentType: item.content?.type ?? null,
          },
        ]
      : [],
  );
}

export function formatMessages(lines: readonly MessageLine[]): string {
  return lines
    .map((m) => `${m.sentAt}\t${m.sender.userId}\t${m.text ?? `(${m.contentType ?? 'deleted'})`}\n`)
    .join('');
}

export function conversationLine(c: ConversationSummary): string {
  return `${c.conversationId}\t${c.kind ?? '?'}\t${c.name ?? ''}\t${c.members.length} devices${c.isRemoved ? '\tremoved' : ''}\n`;
}

export function formatEvent(event: MessagingEvent): string {
  if (event.type === 'message') {
    const text = event.content.type === 'text' ? event.content.text : `(${event.content.type})`;
    return `${event.sentAt}\t${event.conversationId}\t${event.sender.userId}\t${text}\n`;
  }
  return `${event.type}\t${toJson(event, false)}\n`;
}
