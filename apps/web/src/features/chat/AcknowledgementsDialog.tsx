import type { AcknowledgementList, MessagingClient } from '@amtsbote/client';
import { useEffect, useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { personName } from './conversation-title.js';
import { useNames, type PeopleCache } from './people.js';

export interface AcknowledgementsDialogProps {
  readonly client: MessagingClient;
  readonly conversationId: string;
  /** The post whose acknowledgements are shown; null: closed. */
  readonly messageId: string | null;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  readonly onClose: () => void;
}

/** For posters of an announcement channel: who has acknowledged a post, and who has not yet. */
export function AcknowledgementsDialog(props: AcknowledgementsDialogProps): ReactElement {
  const { client, conversationId, messageId, ownUserId, people } = props;
  const { t, i18n } = useTranslation();
  const [list, setList] = useState<AcknowledgementList | null>(null);

  useEffect(() => {
    setList(null);
    if (messageId === null) return;
    void client.acknowledgements(conversationId, messageId).then(setList, () => undefined);
  }, [client, conversationId, messageId]);

  useNames(
    people,
    list === null ? [] : [...list.acknowledged.map((a) => a.userId), ...list.pending],
  );
  const name = (userId: string): string => personName(userId, ownUserId, people, t);

  return (
    <Modal
      isOpen={messageId !== null}
      onOpenChange={(open) => (open ? undefined : props.onClose())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('message.acknowledgementsTitle')}</Heading>
        {list === null ? null : (
          <>
            <h3>{t('message.acknowledgedList')}</h3>
            <ul className="people-list" data-testid="acknowledged">
              {list.acknowledged.length === 0 ? <li>{t('message.nobody')}</li> : null}
              {list.acknowledged.map((a) => (
                <li key={a.userId}>
                  {name(a.userId)}{' '}
                  <time className="muted" dateTime={a.at}>
                    {new Date(a.at).toLocaleString(i18n.language)}
                  </time>
                </li>
              ))}
            </ul>
            <h3>{t('message.pendingList')}</h3>
            <ul className="people-list" data-testid="pending">
              {list.pending.length === 0 ? <li>{t('message.nobody')}</li> : null}
              {list.pending.map((userId) => (
                <li key={userId}>{name(userId)}</li>
              ))}
            </ul>
          </>
        )}
        <div className="dialog-actions">
          <Button className="primary-button" onPress={props.onClose}>
            {t('message.close')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
