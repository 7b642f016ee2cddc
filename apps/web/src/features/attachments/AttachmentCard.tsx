import type { AttachmentRef } from '@amtsbote/protocol';
import { useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { AttachmentThumbnail } from './AttachmentThumbnail.js';
import { useAttachmentsContext } from './AttachmentsProvider.js';
import { fileTypeLabel, formatFileSize, isPreviewableImage } from './file-facts.js';
import { ImagePreviewDialog } from './ImagePreviewDialog.js';
import { useSaveAttachment } from './use-save-attachment.js';

export interface AttachmentCardProps {
  readonly messageId: string;
  readonly index: number;
  readonly attachment: AttachmentRef;
  /** The organization's policy on saving files; null while unknown (no button yet). */
  readonly canSave: boolean | null;
}

/**
 * One file of a message: name, type and size; an image's thumbnail opens the preview. Saving
 * is offered only where the organization allows it; otherwise a note says why.
 */
export function AttachmentCard(props: AttachmentCardProps): ReactElement {
  const { messageId, index, attachment, canSave } = props;
  const { t, i18n } = useTranslation();
  const { client, conversationId } = useAttachmentsContext();
  const [isPreviewing, setPreviewing] = useState(false);
  const save = useSaveAttachment(attachment.name);
  const name = attachment.name;
  const isImage = isPreviewableImage(attachment.mediaType);
  const type = fileTypeLabel(name) ?? t('attachments.genericType');

  return (
    <div className="attachment-card" role="group" aria-label={t('attachments.fileLabel', { name })}>
      {isImage && attachment.thumbnail !== undefined ? (
        <Button
          className="attachment-thumbnail-button"
          aria-label={t('attachments.openPreview', { name })}
          onPress={() => {
            setPreviewing(true);
          }}
        >
          <AttachmentThumbnail
            messageId={messageId}
            index={index}
            name={name}
            thumbnail={attachment.thumbnail}
          />
        </Button>
      ) : null}
      <div className="attachment-details">
        <span className="attachment-name">{name}</span>
        <span className="attachment-meta">
          {t('attachments.typeAndSize', {
            type,
            size: formatFileSize(attachment.sizeBytes, i18n.language),
          })}
        </span>
      </div>
      <div className="attachment-actions">
        {isImage && attachment.thumbnail === undefined ? (
          <Button
            className="secondary-button"
            onPress={() => {
              setPreviewing(true);
            }}
          >
            {t('attachments.openPreview', { name })}
          </Button>
        ) : null}
        {canSave === true && conversationId !== null ? (
          <Button
            className="secondary-button"
            aria-label={t('attachments.downloadLabel', { name })}
            isDisabled={save.isSaving}
            onPress={() => {
              save.start(
                async () => (await client.openAttachment(conversationId, messageId, index)).body,
              );
            }}
          >
            {t('attachments.download')}
          </Button>
        ) : null}
      </div>
      {canSave === false && !isImage ? (
        <p className="attachment-note">{t('attachments.saveNotAllowed')}</p>
      ) : null}
      <p className="attachment-status" role="status">
        {save.status}
      </p>
      {isImage ? (
        <ImagePreviewDialog
          isOpen={isPreviewing}
          onClose={() => {
            setPreviewing(false);
          }}
          messageId={messageId}
          index={index}
          attachment={attachment}
          canSave={canSave}
        />
      ) : null}
    </div>
  );
}
