import type { AttachmentRef } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { useAttachmentsContext } from './AttachmentsProvider.js';
import { formatFileSize } from './file-facts.js';
import { isDamagedFile, readAll } from './save-attachment.js';
import { useSaveAttachment } from './use-save-attachment.js';

export interface ImagePreviewDialogProps {
  readonly isOpen: boolean;
  readonly onClose: () => void;
  readonly messageId: string;
  readonly index: number;
  readonly attachment: AttachmentRef;
  readonly canSave: boolean | null;
}

type Preview =
  | { readonly kind: 'loading' }
  | { readonly kind: 'shown'; readonly blob: Blob; readonly url: string }
  | { readonly kind: 'failed'; readonly isDamaged: boolean };

/**
 * The whole image, decrypted in the browser while the dialog is open; its object URL is
 * revoked when the dialog closes. "Herunterladen" saves the bytes already decrypted, where the
 * organization allows saving; otherwise a note says why there is no such button.
 */
export function ImagePreviewDialog(props: ImagePreviewDialogProps): ReactElement {
  const { isOpen, onClose, messageId, index, attachment, canSave } = props;
  const { t, i18n } = useTranslation();
  const { client, conversationId } = useAttachmentsContext();
  const [preview, setPreview] = useState<Preview>({ kind: 'loading' });
  const save = useSaveAttachment(attachment.name);

  useEffect(() => {
    if (!isOpen || conversationId === null) return;
    const reading = new AbortController();
    let url: string | null = null;
    setPreview({ kind: 'loading' });
    client
      .openAttachment(conversationId, messageId, index)
      .then((opened) => readAll(opened.body, attachment.mediaType, reading.signal))
      .then(
        (blob) => {
          if (reading.signal.aborted) return;
          url = URL.createObjectURL(blob);
          setPreview({ kind: 'shown', blob, url });
        },
        (error: unknown) => {
          if (!reading.signal.aborted) {
            setPreview({ kind: 'failed', isDamaged: isDamagedFile(error) });
          }
        },
      );
    return () => {
      reading.abort();
      if (url !== null) URL.revokeObjectURL(url);
    };
  }, [isOpen, client, conversationId, messageId, index, attachment.mediaType]);

  const name = attachment.name;
  return (
    <Modal
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : onClose())}
      isDismissable
      className="modal preview-modal"
    >
      <Dialog className="dialog preview-dialog">
        <Heading slot="title" className="preview-title">
          {name}
        </Heading>
        <p className="muted">{formatFileSize(attachment.sizeBytes, i18n.language)}</p>
        <div className="preview-frame">
          {preview.kind === 'shown' ? (
            <img className="preview-image" src={preview.url} alt={name} />
          ) : preview.kind === 'loading' ? (
            <p role="status">{t('attachments.previewLoading')}</p>
          ) : (
            <p role="alert" className="problem">
              {preview.isDamaged
                ? t('attachments.damaged', { name })
                : t('attachments.previewFailed')}
            </p>
          )}
        </div>
        {canSave === false ? (
          <p className="attachment-note">{t('attachments.saveNotAllowed')}</p>
        ) : null}
        <p className="attachment-status" role="status">
          {save.status}
        </p>
        <div className="dialog-actions">
          {canSave === true && preview.kind === 'shown' ? (
            <Button
              className="secondary-button"
              isDisabled={save.isSaving}
              onPress={() => {
                const { blob } = preview;
                save.start(() => Promise.resolve(blob.stream()));
              }}
            >
              {t('attachments.download')}
            </Button>
          ) : null}
          <Button className="primary-button" onPress={onClose}>
            {t('attachments.close')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
