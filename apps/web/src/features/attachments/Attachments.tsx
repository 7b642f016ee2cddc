import type { AttachmentRef } from '@amtsbote/protocol';
import type { ReactElement } from 'react';
import { AttachmentCard } from './AttachmentCard.js';
import { useAttachmentsContext } from './AttachmentsProvider.js';
import { useCanSaveFiles } from './use-can-save-files.js';

export interface AttachmentsProps {
  readonly messageId: string;
  readonly attachments: readonly AttachmentRef[];
  /** The message's text: when it is only the file's name, the card says it (see app.css). */
  readonly text: string;
}

/** A message's files, each as a card; images with their thumbnail. */
export function Attachments({ messageId, attachments, text }: AttachmentsProps): ReactElement {
  const { client } = useAttachmentsContext();
  const canSave = useCanSaveFiles(client);
  const isNameOnly = attachments.length === 1 && attachments[0]?.name === text.trim();
  return (
    <ul className="attachments" data-name-only={isNameOnly ? true : undefined}>
      {attachments.map((attachment, index) => (
        <li key={attachment.fileId}>
          <AttachmentCard
            messageId={messageId}
            index={index}
            attachment={attachment}
            canSave={canSave}
          />
        </li>
      ))}
    </ul>
  );
}
