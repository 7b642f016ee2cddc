import type { TimelineItem } from '@amtsbote/client';
import type { ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { Attachments } from '../attachments/Attachments.js';
import { personName } from './conversation-title.js';
import type { MessageAction } from './message-actions.js';
import { textSegments } from './mentions.js';
import { MessageMenu } from './MessageMenu.js';
import type { PeopleCache } from './people.js';

type MessageItem = Extract<TimelineItem, { kind: 'message' }>;

export interface MessageBubbleProps {
  readonly item: MessageItem;
  /** The message this one replies to, when this device holds it. */
  readonly quoted: MessageItem | null;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  /** How many other members have read this message (own messages only; null: not shown). */
  readonly readCount: number | null;
  /** Announcement channels: whether this user posts (sees counts) or responds (acknowledges). */
  readonly channelRole: 'poster' | 'member' | null;
  readonly mayPost: boolean;
  readonly onAction: (action: MessageAction) => void;
}

function textOf(item: MessageItem): string | null {
  return item.content?.type === 'text' ? item.content.text : null;
}

/** One message: sender, time, the quoted message, text, reactions, read and acknowledgement state. */
export function MessageBubble(props: MessageBubbleProps): ReactElement {
  const { item, ownUserId, people, onAction } = props;
  const { t, i18n } = useTranslation();
  const isOwn = item.sender.userId === ownUserId;
  const text = item.isDeleted ? null : textOf(item);
  const replyTo = item.content?.type === 'text' ? item.content.replyTo : null;
  const isUrgent = item.content?.type === 'text' && item.content.isUrgent;
  const mentions = item.content?.type === 'text' ? item.content.mentions : [];
  const isMentioned = !isOwn && mentions.some((m) => m.userId === ownUserId);
  const ownReactions = new Set(
    item.reactions.filter((r) => r.userIds.includes(ownUserId)).map((r) => r.emoji),
  );
  const time = new Date(item.sentAt).toLocaleTimeString(i18n.language, {
    hour: '2-digit',
    minute: '2-digit',
  });
  const name = personName(item.sender.userId, ownUserId, people, t);
  const isPost = props.channelRole !== null;
  const hasAcknowledged = item.acknowledgedBy.includes(ownUserId);

  return (
    <article
      className={`message${isOwn ? ' own' : ''}${isUrgent ? ' urgent' : ''}${isMentioned ? ' mentioned' : ''}`}
      data-message-id={item.messageId}
      aria-label={name}
    >
      <header className="message-header">
        <span className="message-sender">{name}</span>
        <time dateTime={item.sentAt}>{time}</time>
        {item.editedAt === null || item.isDeleted ? null : (
          <span className="message-edited">{t('chat.edited')}</span>
        )}
        {isUrgent ? <strong className="message-urgent">{t('message.urgent')}</strong> : null}
        {isMentioned ? (
          <strong className="message-mentioned">{t('compose.mentionedYou')}</strong>
        ) : null}
        {item.isDeleted ? null : (
          <MessageMenu
            messageId={item.messageId}
            isOwn={isOwn}
            canReply={props.mayPost}
            ownReactions={ownReactions}
            onAction={onAction}
          />
        )}
      </header>
      {replyTo === null ? null : (
        <blockquote className="message-quote">
          {props.quoted === null || textOf(props.quoted) === null
            ? t('message.quotedMissing')
            : t('message.quoted', {
                name: personName(props.quoted.sender.userId, ownUserId, people, t),
                text: textOf(props.quoted) ?? '',
              })}
        </blockquote>
      )}
      <p className={item.isDeleted ? 'message-text deleted' : 'message-text'}>
        {text === null
          ? t('chat.deleted')
          : textSegments(text, mentions).map((segment, index) =>
              segment.kind === 'text' ? (
                <span key={index}>{segment.text}</span>
              ) : segment.userId === ownUserId ? (
                <mark key={index} className="mention own" data-user-id={segment.userId}>
                  {segment.text}
                </mark>
              ) : (
                <span key={index} className="mention" data-user-id={segment.userId}>
                  {segment.text}
                </span>
              ),
            )}
      </p>
      {item.content?.type === 'text' && !item.isDeleted && item.content.attachments.length > 0 ? (
        <Attachments
          messageId={item.messageId}
          attachments={item.content.attachments}
          text={item.content.text}
        />
      ) : null}
      {item.reactions.length === 0 || item.isDeleted ? null : (
        <ul className="reactions">
          {item.reactions.map((reaction) => (
            <li key={reaction.emoji}>
              <Button
                className={ownReactions.has(reaction.emoji) ? 'reaction own' : 'reaction'}
                aria-pressed={ownReactions.has(reaction.emoji)}
                aria-label={t('message.reactionLabel', {
                  emoji: reaction.emoji,
                  count: reaction.userIds.length,
                  names: reaction.userIds
                    .map((id) => personName(id, ownUserId, people, t))
                    .join(', '),
                })}
                onPress={() => {
                  onAction({
                    kind: 'react',
                    messageId: item.messageId,
                    emoji: reaction.emoji,
                    isRemoved: ownReactions.has(reaction.emoji),
                  });
                }}
              >
                {t('message.reactionCount', {
                  emoji: reaction.emoji,
                  count: reaction.userIds.length,
                })}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {isPost && !item.isDeleted ? (
        props.channelRole === 'poster' ? (
          <p className="message-state">
            {item.acknowledgements === null || item.acknowledgements.pending === null
              ? t('message.acknowledgementCountsUnknown', {
                  acknowledged: item.acknowledgedBy.length,
                })
              : t('message.acknowledgementCounts', {
                  acknowledged: item.acknowledgements.acknowledged,
                  pending: item.acknowledgements.pending,
                })}{' '}
            <Button
              className="link-button"
              onPress={() => {
                onAction({ kind: 'show-acknowledgements', messageId: item.messageId });
              }}
            >
              {t('message.showAcknowledgements')}
            </Button>
          </p>
        ) : hasAcknowledged ? (
          <p className="message-state">{t('message.acknowledged')}</p>
        ) : (
          <Button
            className="secondary-button"
            onPress={() => {
              onAction({ kind: 'acknowledge', messageId: item.messageId });
            }}
          >
            {t('message.acknowledge')}
          </Button>
        )
      ) : null}
      {props.readCount === null || props.readCount === 0 ? null : (
        <p className="message-state">
          {props.readCount === 1
            ? t('message.readBy')
            : t('message.readByCount', { count: props.readCount })}
        </p>
      )}
    </article>
  );
}
