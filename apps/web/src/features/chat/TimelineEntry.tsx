import type { TimelineItem } from '@amtsbote/client';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { personName } from './conversation-title.js';
import { MessageBubble, type MessageBubbleProps } from './MessageBubble.js';
import type { PeopleCache } from './people.js';

export interface TimelineEntryProps {
  readonly item: TimelineItem;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  /** What a message needs besides the item (see MessageBubble). */
  readonly message: Omit<MessageBubbleProps, 'item' | 'ownUserId' | 'people'>;
}

const MEMBERSHIP_TEXT = {
  member_joined: 'chat.memberJoined',
  member_added: 'chat.memberAdded',
  device_added: 'chat.deviceAdded',
  device_removed: 'chat.deviceRemoved',
  member_left: 'chat.memberLeft',
  member_removed: 'chat.memberRemoved',
} as const;

/** One item of a conversation's timeline: a message, a membership change or an undecryptable event. */
export function TimelineEntry(props: TimelineEntryProps): ReactElement {
  const { item, ownUserId, people } = props;
  const { t, i18n } = useTranslation();
  const time = new Date(item.sentAt).toLocaleTimeString(i18n.language, {
    hour: '2-digit',
    minute: '2-digit',
  });
  switch (item.kind) {
    case 'message': {
      const { content } = item;
      // A change of name or topic is an event of the conversation, not a message of someone.
      if (content?.type === 'metadata') {
        const name = personName(item.sender.userId, ownUserId, people, t);
        return (
          <p className="membership-event">
            {content.name === null
              ? t('chat.renamedWithoutName', { name })
              : t('chat.renamed', { name, title: content.name })}
            {content.topic === null ? null : ` · ${t('chat.topic', { topic: content.topic })}`}
            {' · '}
            <time dateTime={item.sentAt}>{time}</time>
          </p>
        );
      }
      return <MessageBubble {...props.message} item={item} ownUserId={ownUserId} people={people} />;
    }
    case 'membership':
      return (
        <p className="membership-event">
          {t(MEMBERSHIP_TEXT[item.change], { name: personName(item.userId, ownUserId, people, t) })}
          {' · '}
          <time dateTime={item.sentAt}>{time}</time>
        </p>
      );
    case 'undecryptable':
      return <p className="membership-event">{t('chat.undecryptable')}</p>;
  }
}
