import type { ConversationSummary } from '@amtsbote/client';
import type { ReactElement } from 'react';
import { ListBox, ListBoxItem } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { ConversationPreview } from './conversation-previews.js';
import { conversationTitle, otherUserIds, personName } from './conversation-title.js';
import { useNames, type PeopleCache } from './people.js';

export interface ConversationListProps {
  readonly conversations: readonly ConversationSummary[];
  readonly previews: ReadonlyMap<string, ConversationPreview>;
  readonly selectedId: string | null;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  readonly onSelect: (conversationId: string) => void;
}

/** The user's conversations; arrow keys move, Enter or a tap opens one. */
export function ConversationList(props: ConversationListProps): ReactElement {
  const { t } = useTranslation();
  useNames(
    props.people,
    props.conversations.flatMap((c) => otherUserIds(c, props.ownUserId)),
  );
  if (props.conversations.length === 0) {
    return <p className="empty">{t('chat.noConversations')}</p>;
  }
  return (
    <ListBox
      aria-label={t('chat.conversations')}
      className="conversation-list"
      selectionMode="single"
      disallowEmptySelection
      selectedKeys={props.selectedId === null ? [] : [props.selectedId]}
      onAction={(key) => {
        props.onSelect(String(key));
      }}
      onSelectionChange={(keys) => {
        if (keys === 'all') return;
        const [first] = [...keys];
        if (first !== undefined) props.onSelect(String(first));
      }}
    >
      {props.conversations.map((conversation) => {
        const title = conversationTitle(conversation, props.ownUserId, props.people, t);
        const preview = props.previews.get(conversation.conversationId);
        const unreadLabel =
          preview === undefined
            ? ''
            : preview.isUnreadCapped
              ? t('chat.unreadMany', { count: preview.unread })
              : t('chat.unread', { count: preview.unread });
        return (
          <ListBoxItem
            key={conversation.conversationId}
            id={conversation.conversationId}
            textValue={
              preview === undefined || preview.unread === 0 ? title : `${title}, ${unreadLabel}`
            }
            className="conversation-item"
          >
            <span className="conversation-main">
              <span className="conversation-title">{title}</span>
              {preview?.lastText === null || preview === undefined ? null : (
                <span className="conversation-preview">
                  {preview.lastSenderId === null
                    ? preview.lastText
                    : t('chat.preview', {
                        name: personName(preview.lastSenderId, props.ownUserId, props.people, t),
                        text: preview.lastText,
                      })}
                </span>
              )}
            </span>
            <span className="conversation-meta">
              {conversation.kind === 'channel' ? (
                <span className="conversation-kind">{t('create.channel')}</span>
              ) : null}
              {preview === undefined || preview.unread === 0 ? null : (
                <span className="unread" aria-label={unreadLabel}>
                  {preview.isUnreadCapped
                    ? t('chat.unreadBadgeMany', { count: preview.unread })
                    : preview.unread}
                </span>
              )}
            </span>
          </ListBoxItem>
        );
      })}
    </ListBox>
  );
}
