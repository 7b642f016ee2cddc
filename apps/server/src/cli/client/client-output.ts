import { base64urlEncode } from '@amtsbote/crypto';
import type { ConversationSummary, MessagingEvent, TimelineItem } from '@amtsbote/client';
import type { AttachmentRef, MessageContent } from '@amtsbote/protocol';

/** What a command prints: the JSON answer for --json, the text otherwise; null: nothing more. */
export type CommandAnswer = { readonly json: unknown; readonly text: string } | null;

/** JSON with byte arrays as base64url, one value per line (for `listen`) or pretty. */
export function toJson(value: unknown, isPretty = true): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (v instanceof Uint8Array ? base64urlEncode(v) : v),
    isPretty ? 2 : undefined,
  );
}

/** An attachment as printed: never its key, which stays in the profile. */
export interface AttachmentLine {
  /** Its position in the message, for `download --index`. */
  readonly index: number;
  readonly name: string;
  readonly mediaType: string;
  readonly sizeBytes: number;
}

function attachmentLines(content: MessageContent | null): AttachmentLine[] {
  if (content?.type !== 'text') return [];
  return content.attachments.map((a, index) => ({
    index,
    name: a.name,
    mediaType: a.mediaType,
    sizeBytes: a.sizeBytes,
  }));
}

/** A name from another device, safe to print on a terminal (no control characters). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

/** An event as `listen` prints it: attachments without their keys. */
export function publicEvent(event: MessagingEvent): unknown {
  if (event.type !== 'message' || event.content.type !== 'text') return event;
  const attachments = event.content.attachments.map(
    (a: AttachmentRef): Omit<AttachmentRef, 'key'> => ({
      fileId: a.fileId,
      name: a.name,
      mediaType: a.mediaType,
      sizeBytes: a.sizeBytes,
    }),
  );
  return { ...event, content: { ...event.content, attachments } };
}

export interface MessageLine {
  readonly messageId: string;
  readonly seq: number;
  readonly sender: { readonly userId: string; readonly deviceId: string };
  readonly sentAt: string;
  /** null for other content (files, polls) and deleted messages. */
  readonly text: string | null;
  readonly contentType: string | null;
  readonly attachments: readonly AttachmentLine[];
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
            attachments: attachmentLines(item.content),
          },
        ]
      : [],
  );
}

function attachmentsText(attachments: readonly AttachmentLine[]): string {
  return attachments
    .map((a) => `\t[file ${a.index}: ${printable(a.name)}, ${a.sizeBytes} bytes]`)
    .join('');
}

export function formatMessages(lines: readonly MessageLine[]): string {
  return lines
    .map(
      (m) =>
        `${m.sentAt}\t${m.sender.userId}\t${m.text ?? `(${m.contentType ?? 'deleted'})`}${attachmentsText(m.attachments)}\n`,
    )
    .join('');
}

export function conversationLine(c: ConversationSummary): string {
  return `${c.conversationId}\t${c.kind ?? '?'}\t${c.name ?? ''}\t${c.members.length} devices${c.isRemoved ? '\tremoved' : ''}\n`;
}

export function formatEvent(event: MessagingEvent): string {
  if (event.type === 'message') {
    const text =
      event.content.type === 'text'
        ? `${event.content.text}${attachmentsText(attachmentLines(event.content))}`
        : `(${event.content.type})`;
    return `${event.sentAt}\t${event.conversationId}\t${event.sender.userId}\t${text}\n`;
  }
  return `${event.type}\t${toJson(event, false)}\n`;
}
