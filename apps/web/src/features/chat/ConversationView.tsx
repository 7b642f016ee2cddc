import {
  MessagingError,
  type ConversationSummary,
  type MessagingClient,
  type ReadMarkers,
  type TimelineItem,
} from '@amtsbote/client';
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { UploadList } from '../attachments/UploadList.js';
import { useConversationUploads } from '../attachments/use-conversation-uploads.js';
import { useFileDrop } from '../attachments/use-file-drop.js';
import { ConversationDetails } from '../members/ConversationDetails.js';
import { AcknowledgementsDialog } from './AcknowledgementsDialog.js';
import { Composer, type ComposerMode, type SendOptions } from './Composer.js';
import { conversationTitle, otherUserIds, personName } from './conversation-title.js';
import { DeleteMessageDialog } from './DeleteMessageDialog.js';
import type { MessageAction } from './message-actions.js';
import { useNames, type PeopleCache } from './people.js';
import { Timeline } from './Timeline.js';
import { dayLabel, pendingTexts, rowKey, timelineRows, type PendingText } from './timeline-rows.js';
import { TimelineEntry } from './TimelineEntry.js';
import { useClientVersion } from './use-client-events.js';
import { arrivalKey } from './mentions.js';
import { useQuotedMessages } from './use-quoted-messages.js';
import { useTimelineWindow } from './use-timeline-window.js';

export interface ConversationViewProps {
  readonly client: MessagingClient;
  readonly conversation: ConversationSummary;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  readonly onBack: () => void;
}

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

/** How many users other than the author have read up to this message. */
function readCount(item: MessageItem, markers: ReadMarkers, ownUserId: string): number {
  return Object.entries(markers).filter(
    ([userId, marker]) => userId !== ownUserId && marker.seq >= item.seq,
  ).length;
}

/** One conversation: its timeline, what this device is still sending, and the composer. */
export function ConversationView(props: ConversationViewProps): ReactElement {
  const { client, conversation, ownUserId, people } = props;
  const id = conversation.conversationId;
  const { t, i18n } = useTranslation();
  const timeline = useTimelineWindow(client, id);
  const { items, refresh } = timeline;
  const [markers, setMarkers] = useState<ReadMarkers>({});
  const [mayPost, setMayPost] = useState(true);
  // Texts this view sends now, and texts that wait in the outbox (also from before a reload).
  const [pending, setPending] = useState<readonly PendingText[]>([]);
  const [waiting, setWaiting] = useState<readonly PendingText[]>([]);
  const [mode, setMode] = useState<ComposerMode | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [showingAcknowledgements, setShowingAcknowledgements] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const nextLocalId = useRef(0);
  const lastMarkedRead = useRef<string | null>(null);

  const [typingUserIds, setTypingUserIds] = useState<readonly string[]>([]);
  const version = useClientVersion(
    client,
    (event) => 'conversationId' in event && event.conversationId === id && event.type !== 'typing',
    (event) => {
      if (event.type === 'message' && !event.isOwn && event.content.type === 'text') {
        setAnnouncement(
          t(arrivalKey(event.content, ownUserId), {
            name: personName(event.sender.userId, ownUserId, people, t),
          }),
        );
      }
    },
  );

  useEffect(
    () =>
      client.subscribe((event) => {
        if (event.type !== 'typing' || event.conversationId !== id || event.userId === ownUserId)
          return;
        setTypingUserIds((current) => {
          const others = current.filter((userId) => userId !== event.userId);
          return event.isTyping ? [...others, event.userId] : others;
        });
      }),
    [client, id, ownUserId],
  );

  // The timeline follows the client's events itself (use-timeline-window.ts); this reads the
  // read markers and the outbox, and after an own send whatever the timeline has not seen yet.
  const reload = useCallback(async () => {
    refresh();
    const [outbox, readMarkers] = await Promise.all([
      client.pendingTexts(id),
      client.readMarkers(id),
    ]);
    setMarkers(readMarkers);
    setWaiting(
      outbox.map((entry) => ({
        key: entry.messageId,
        text: entry.content.text,
        state: 'waiting',
      })),
    );
  }, [client, id, refresh]);

  useEffect(() => {
    void reload();
  }, [reload, version]);

  useEffect(() => {
    void client.mayPost(id).then(setMayPost, () => undefined);
  }, [client, id]);

  // Files chosen, dropped or pasted: sent one after another, their messages shown when stored.
  const attachments = useConversationUploads(id, () => {
    void reload();
  });
  const fileDrop = useFileDrop(attachments.add, mayPost && !conversation.isRemoved);

  // The newest message of someone else is read once the conversation shows it.
  useEffect(() => {
    const newest = items.findLast(
      (item): item is MessageItem => item.kind === 'message' && item.sender.userId !== ownUserId,
    );
    if (newest === undefined || lastMarkedRead.current === newest.messageId) return;
    lastMarkedRead.current = newest.messageId;
    void client.markRead(id, newest.messageId).catch(() => undefined);
  }, [client, id, items, ownUserId]);

  const otherIds = otherUserIds(conversation, ownUserId);
  useNames(people, [
    ...otherIds,
    ...items.flatMap((item) =>
      item.kind === 'message'
        ? [item.sender.userId]
        : item.kind === 'membership'
          ? [item.userId]
          : [],
    ),
  ]);

  const rows = useMemo(
    () => timelineRows(items, pendingTexts(waiting, pending)),
    [items, waiting, pending],
  );

  const messages = useQuotedMessages(client, id, items);

  const sendText = useCallback(
    (text: string, replyTo: string | null, options: SendOptions) => {
      const key = `local-${String(nextLocalId.current++)}`;
      setPending((list) => [...list, { key, text, state: 'sending' }]);
      const update = (state: PendingText['state'] | null): void => {
        setPending((list) =>
          state === null
            ? list.filter((p) => p.key !== key)
            : list.map((p) => (p.key === key ? { ...p, state } : p)),
        );
      };
      client
        .send(id, { type: 'text', text, replyTo, ...options, mentions: [...options.mentions] })
        .then(async () => {
          await reload();
          update(null);
        })
        .catch(async (error: unknown) => {
          // A text that waits for the connection is shown from the outbox from now on.
          if (error instanceof MessagingError && error.code === 'send_pending') {
            await reload();
            update(null);
          } else {
            update('failed');
          }
        });
    },
    [client, id, reload],
  );

  const onSend = (text: string, sendMode: ComposerMode | null, options: SendOptions): void => {
    setMode(null);
    if (sendMode?.kind === 'edit') {
      void client
        .send(id, { type: 'edit', target: sendMode.messageId, text })
        .then(reload, () => undefined);
      return;
    }
    sendText(text, sendMode?.kind === 'reply' ? sendMode.messageId : null, options);
  };

  const onAction = (action: MessageAction): void => {
    const target = messages.get(action.messageId);
    switch (action.kind) {
      case 'reply':
        if (target !== undefined) {
          setMode({
            kind: 'reply',
            messageId: action.messageId,
            name: personName(target.sender.userId, ownUserId, people, t),
          });
        }
        return;
      case 'edit':
        if (target?.content?.type === 'text') {
          setMode({ kind: 'edit', messageId: action.messageId, text: target.content.text });
        }
        return;
      case 'delete':
        setDeleting(action.messageId);
        return;
      case 'react':
        void client
          .send(id, {
            type: 'reaction',
            target: action.messageId,
            emoji: action.emoji,
            isRemoved: action.isRemoved,
          })
          .then(reload, () => undefined);
        return;
      case 'acknowledge':
        void client.acknowledge(id, action.messageId).then(reload, () => undefined);
        return;
      case 'show-acknowledgements':
        setShowingAcknowledgements(action.messageId);
        return;
    }
  };

  const channelRole = conversation.kind === 'channel' ? (mayPost ? 'poster' : 'member') : null;
  const title = conversationTitle(conversation, ownUserId, people, t);
  return (
    <section className="conversation" aria-labelledby="conversation-title" {...fileDrop.props}>
      <header className="conversation-header">
        <Button className="back-button" onPress={props.onBack} aria-label={t('chat.back')}>
          <span className="back-arrow" aria-hidden="true" />
        </Button>
        <h2 id="conversation-title">{title}</h2>
        <ConversationDetails
          client={client}
          conversation={conversation}
          ownUserId={ownUserId}
          people={people}
        />
      </header>
      <Timeline
        rows={rows}
        rowKey={rowKey}
        onNearStart={timeline.hasOlder ? timeline.loadOlder : undefined}
        label={t('chat.timeline')}
        empty={<p className="empty">{t('chat.noMessages')}</p>}
        renderRow={(row) => {
          switch (row.kind) {
            case 'day':
              return (
                <p className="day-separator">
                  <time dateTime={row.day}>{dayLabel(row.day, i18n.language, t)}</time>
                </p>
              );
            case 'pending':
              return (
                <article className="message own pending">
                  <p className="message-text">{row.pending.text}</p>
                  <p
                    className={
                      row.pending.state === 'failed' ? 'message-state problem' : 'message-state'
                    }
                  >
                    {row.pending.state === 'failed'
                      ? t('chat.sendFailed')
                      : row.pending.state === 'waiting'
                        ? t('chat.waiting')
                        : t('chat.sending')}
                  </p>
                </article>
              );
            case 'item':
              return (
                <TimelineEntry
                  item={row.item}
                  ownUserId={ownUserId}
                  people={people}
                  message={{
                    quoted:
                      row.item.kind === 'message' &&
                      row.item.content?.type === 'text' &&
                      row.item.content.replyTo !== null
                        ? (messages.get(row.item.content.replyTo) ?? null)
                        : null,
                    readCount:
                      row.item.kind === 'message' &&
                      row.item.sender.userId === ownUserId &&
                      conversation.kind !== 'channel'
                        ? readCount(row.item, markers, ownUserId)
                        : null,
                    channelRole,
                    mayPost,
                    onAction,
                  }}
                />
              );
          }
        }}
      />
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <p className="typing" aria-live="polite">
        {typingUserIds.length === 0
          ? null
          : t('chat.typing', {
              names: typingUserIds
                .map((userId) => personName(userId, ownUserId, people, t))
                .join(', '),
              count: typingUserIds.length,
            })}
      </p>
      <UploadList uploads={attachments} isDropTarget={fileDrop.isDropTarget} />
      {mayPost ? (
        <Composer
          mode={mode}
          onSend={onSend}
          mentionCandidates={otherIds.flatMap((userId) => {
            const person = people.get(userId);
            return person?.isActive === true ? [{ userId, displayName: person.displayName }] : [];
          })}
          onCancelMode={() => {
            setMode(null);
          }}
          onTyping={(isTyping) => {
            void client.setTyping(id, isTyping).catch(() => undefined);
          }}
          onAttachFiles={attachments.add}
          isDisabled={conversation.isRemoved}
        />
      ) : null}
      <DeleteMessageDialog
        isOpen={deleting !== null}
        onClose={() => {
          setDeleting(null);
        }}
        onConfirm={() => {
          const target = deleting;
          setDeleting(null);
          if (target !== null)
            void client.send(id, { type: 'delete', target }).then(reload, () => undefined);
        }}
      />
      <AcknowledgementsDialog
        client={client}
        conversationId={id}
        messageId={showingAcknowledgements}
        ownUserId={ownUserId}
        people={people}
        onClose={() => {
          setShowingAcknowledgements(null);
        }}
      />
    </section>
  );
}
