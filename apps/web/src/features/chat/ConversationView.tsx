import {
  MessagingError,
  type ConversationSummary,
  type MessagingClient,
  type TimelineItem,
} from '@amtsbote/client';
import { useCallback, useEffect, useRef, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { Composer } from './Composer.js';
import { conversationTitle, otherUserIds, personName } from './conversation-title.js';
import { useNames, type PeopleCache } from './people.js';
import { TimelineEntry } from './TimelineEntry.js';
import { useClientVersion } from './use-client-events.js';

export interface ConversationViewProps {
  readonly client: MessagingClient;
  readonly conversation: ConversationSummary;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  readonly onBack: () => void;
}

interface PendingText {
  readonly localId: number;
  readonly text: string;
  readonly state: 'sending' | 'waiting' | 'failed';
}

function itemKey(item: TimelineItem): string {
  return item.kind === 'message'
    ? item.messageId
    : `${item.kind}-${item.seq}-${'userId' in item ? item.userId : ''}`;
}

/** One conversation: its timeline, what this device is still sending, and the composer. */
export function ConversationView(props: ConversationViewProps): ReactElement {
  const { client, conversation, ownUserId, people } = props;
  const id = conversation.conversationId;
  const { t } = useTranslation();
  const [items, setItems] = useState<readonly TimelineItem[]>([]);
  const [pending, setPending] = useState<readonly PendingText[]>([]);
  const [announcement, setAnnouncement] = useState('');
  const nextLocalId = useRef(0);
  const end = useRef<HTMLDivElement>(null);

  const version = useClientVersion(
    client,
    (event) => 'conversationId' in event && event.conversationId === id,
    (event) => {
      if (event.type === 'message' && !event.isOwn && event.content.type === 'text') {
        setAnnouncement(
          t('chat.newMessageFrom', { name: personName(event.sender.userId, ownUserId, people, t) }),
        );
      }
    },
  );

  useEffect(() => {
    let isCurrent = true;
    void Promise.all([client.timeline(id), client.pendingMessages(id)]).then(
      ([timeline, outbox]) => {
        if (!isCurrent) return;
        setItems(timeline);
        // Texts waiting for the connection stay visible until the outbox is empty.
        if (outbox.length === 0) setPending((list) => list.filter((p) => p.state === 'sending'));
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [client, id, version]);

  useNames(people, [
    ...otherUserIds(conversation, ownUserId),
    ...items.flatMap((item) =>
      item.kind === 'message'
        ? [item.sender.userId]
        : item.kind === 'membership'
          ? [item.userId]
          : [],
    ),
  ]);

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' });
  }, [items.length, pending.length]);

  const send = useCallback(
    (text: string) => {
      const localId = nextLocalId.current++;
      setPending((list) => [...list, { localId, text, state: 'sending' }]);
      const update = (state: PendingText['state'] | null): void => {
        setPending((list) =>
          state === null
            ? list.filter((p) => p.localId !== localId)
            : list.map((p) => (p.localId === localId ? { ...p, state } : p)),
        );
      };
      client
        .sendText(id, text)
        .then(async () => {
          setItems(await client.timeline(id));
          update(null);
        })
        .catch((error: unknown) => {
          update(
            error instanceof MessagingError && error.code === 'send_pending' ? 'waiting' : 'failed',
          );
        });
    },
    [client, id],
  );

  const title = conversationTitle(conversation, ownUserId, people, t);
  return (
    <section className="conversation" aria-labelledby="conversation-title">
      <header className="conversation-header">
        <Button className="back-button" onPress={props.onBack} aria-label={t('chat.back')}>
          <span className="back-arrow" aria-hidden="true" />
        </Button>
        <h2 id="conversation-title">{title}</h2>
      </header>
      {/* Read by screen readers on demand; new messages are announced by the status line below. */}
      <div
        className="timeline"
        role="log"
        aria-live="off"
        aria-label={t('chat.timeline')}
        tabIndex={0}
      >
        {items.length === 0 && pending.length === 0 ? (
          <p className="empty">{t('chat.noMessages')}</p>
        ) : null}
        <ol className="timeline-items">
          {items.map((item) => (
            <li key={itemKey(item)}>
              <TimelineEntry item={item} ownUserId={ownUserId} people={people} />
            </li>
          ))}
          {pending.map((p) => (
            <li key={`pending-${p.localId}`}>
              <article className="message own pending">
                <p className="message-text">{p.text}</p>
                <p className={p.state === 'failed' ? 'message-state problem' : 'message-state'}>
                  {p.state === 'failed' ? t('chat.sendFailed') : t('chat.sending')}
                </p>
              </article>
            </li>
          ))}
        </ol>
        <div ref={end} />
      </div>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      <Composer onSend={send} isDisabled={conversation.isRemoved} />
    </section>
  );
}
