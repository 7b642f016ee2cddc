import type { ReactElement } from 'react';
import { Button, Menu, MenuItem, MenuTrigger, Popover, Separator } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { QUICK_REACTIONS, type MessageAction } from './message-actions.js';

export interface MessageMenuProps {
  readonly messageId: string;
  readonly isOwn: boolean;
  readonly canReply: boolean;
  readonly ownReactions: ReadonlySet<string>;
  readonly onAction: (action: MessageAction) => void;
}

/** The menu of one message: reply, quick reactions, and for the author edit and delete. */
export function MessageMenu({
  messageId,
  isOwn,
  canReply,
  ownReactions,
  onAction,
}: MessageMenuProps): ReactElement {
  const { t } = useTranslation();
  const act = (key: string): void => {
    if (key === 'reply') onAction({ kind: 'reply', messageId });
    else if (key === 'edit') onAction({ kind: 'edit', messageId });
    else if (key === 'delete') onAction({ kind: 'delete', messageId });
    else if (key.startsWith('react:')) {
      const emoji = key.slice('react:'.length);
      onAction({ kind: 'react', messageId, emoji, isRemoved: ownReactions.has(emoji) });
    }
  };
  return (
    <MenuTrigger>
      <Button className="message-menu-button" aria-label={t('message.actions')}>
        <span className="dots" aria-hidden="true" />
      </Button>
      <Popover className="popover" placement="bottom end">
        <Menu className="menu" onAction={(key) => act(String(key))}>
          {canReply ? (
            <MenuItem id="reply" className="menu-item">
              {t('message.reply')}
            </MenuItem>
          ) : null}
          {QUICK_REACTIONS.map((emoji) => (
            <MenuItem
              key={emoji}
              id={`react:${emoji}`}
              className="menu-item"
              textValue={t('message.reactWith', { emoji })}
              aria-label={t('message.reactWith', { emoji })}
            >
              <span aria-hidden="true">{emoji}</span>
            </MenuItem>
          ))}
          {isOwn ? <Separator className="menu-separator" /> : null}
          {isOwn ? (
            <MenuItem id="edit" className="menu-item">
              {t('message.edit')}
            </MenuItem>
          ) : null}
          {isOwn ? (
            <MenuItem id="delete" className="menu-item danger">
              {t('message.delete')}
            </MenuItem>
          ) : null}
        </Menu>
      </Popover>
    </MenuTrigger>
  );
}
