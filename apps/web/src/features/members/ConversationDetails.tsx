import type { ConversationSummary, MessagingClient } from '@amtsbote/client';
import { useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { PeopleCache } from '../chat/people.js';
import { ConversationDetailsDialog } from './ConversationDetailsDialog.js';

export interface ConversationDetailsProps {
  readonly client: MessagingClient;
  readonly conversation: ConversationSummary;
  readonly ownUserId: string;
  readonly people: PeopleCache;
}

/**
 * The conversation header's part: the button that opens the details, and a note once the user
 * is no member any more (left, or removed by an owner).
 */
export function ConversationDetails(props: ConversationDetailsProps): ReactElement {
  const { t } = useTranslation();
  const [isOpen, setOpen] = useState(false);
  return (
    <>
      <p role="status" className="removed-note">
        {props.conversation.isRemoved ? t('members.removedNote') : null}
      </p>
      <Button
        className="secondary-button details-button"
        onPress={() => {
          setOpen(true);
        }}
      >
        {t('members.open')}
      </Button>
      <ConversationDetailsDialog
        {...props}
        isOpen={isOpen}
        onClose={() => {
          setOpen(false);
        }}
      />
    </>
  );
}
