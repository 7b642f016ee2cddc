import type { TimelineItem } from '@amtsbote/client';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { personName } from './conversation-title.js';
import type { PeopleCache } from './people.js';

export interface TimelineEntryProps {
  readonly item: TimelineItem;
  readonly ownUserId: string;
  readonly people: PeopleCache;
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
export function TimelineEntry({ item, ownUserId, people }: TimelineEntryProps): ReactElement {
  const { t, i18n } = useTranslation();
  const time = new Date(item.sentAt).toLocaleTimeString(i18n.language, {
    hour: '2-digit',
    minute: '2-digit',
  });
  switch (item.kind) {
    case 'message': {
      const isOwn = item.sender.userId === ownUserId;
      const text =
        item.isDeleted || item.content === null
          ? t('chat.deleted')
          : item.content.type === 'text'
            ? item.content.text
            : null;
      return (
        <article className={isOwn ? 'message own' : 'message'} data-message-id={item.messageId}>
          <header className="message-header">
            <span className="message-sender">
              {personName(item.sender.userId, ownUserId, people, t)}
            </span>
            <time dateTime={item.sentAt}>{time}</time>
            {item.editedAt === null ? null : (
              <span className="message-edited">{t('chat.edited')}</span>
            )}
          </header>
          <p className={item.isDeleted ? 'message-text deleted' : 'message-text'}>{text}</p>
        </article>
      );
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
