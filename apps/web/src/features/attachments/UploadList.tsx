import type { ReactElement } from 'react';
import { Button, ProgressBar } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { formatFileSize } from './file-facts.js';
import type { ConversationUploads } from './use-conversation-uploads.js';
import { isRetryable, uploadProblemText } from './upload-problem.js';
import type { PendingUpload } from './upload-queue.js';

export interface UploadListProps {
  readonly uploads: ConversationUploads;
  /** Files are dragged over the conversation: say where they go. */
  readonly isDropTarget: boolean;
}

/** The files on their way to this conversation, above the composer, and what became of them. */
export function UploadList({ uploads, isDropTarget }: UploadListProps): ReactElement {
  const { t } = useTranslation();
  return (
    <>
      {isDropTarget ? <p className="drop-hint">{t('attachments.dropHint')}</p> : null}
      {uploads.uploads.length === 0 ? null : (
        <ul className="uploads" aria-label={t('attachments.uploads')}>
          {uploads.uploads.map((upload) => (
            <UploadItem key={upload.id} upload={upload} uploads={uploads} />
          ))}
        </ul>
      )}
      <p className="visually-hidden" aria-live="polite">
        {uploads.announcement}
      </p>
    </>
  );
}

function UploadItem({
  upload,
  uploads,
}: {
  readonly upload: PendingUpload;
  readonly uploads: ConversationUploads;
}): ReactElement {
  const { t, i18n } = useTranslation();
  const name = upload.file.name;
  if (upload.state === 'failed' && upload.problem !== null) {
    return (
      <li className="upload failed">
        <p role="alert" className="problem">
          {uploadProblemText(upload.problem, name, t, i18n.language)}
        </p>
        <div className="upload-actions">
          {isRetryable(upload.problem) ? (
            <Button
              className="secondary-button"
              aria-label={t('attachments.retryLabel', { name })}
              onPress={() => {
                uploads.retry(upload.id);
              }}
            >
              {t('attachments.retry')}
            </Button>
          ) : null}
          <Button
            className="link-button"
            aria-label={t('attachments.dismissLabel', { name })}
            onPress={() => {
              uploads.dismiss(upload.id);
            }}
          >
            {t('attachments.dismiss')}
          </Button>
        </div>
      </li>
    );
  }
  const isUploading = upload.state === 'uploading' && upload.totalBytes > 0;
  const fraction = isUploading ? upload.sentBytes / upload.totalBytes : 0;
  const status = isUploading
    ? t('attachments.progress', {
        percent: new Intl.NumberFormat(i18n.language, {
          style: 'percent',
          maximumFractionDigits: 0,
        }).format(fraction),
        // The plaintext's share: what the user knows as the file's size.
        sent: formatFileSize(Math.round(fraction * upload.file.size), i18n.language),
        total: formatFileSize(upload.file.size, i18n.language),
      })
    : upload.state === 'delivering'
      ? t('attachments.delivering')
      : upload.state === 'preparing' || upload.state === 'uploading'
        ? t('attachments.preparing')
        : t('attachments.queued');
  return (
    <li className="upload">
      <ProgressBar
        className="upload-progress"
        aria-label={name}
        value={fraction * 100}
        valueLabel={status}
        isIndeterminate={!isUploading}
      >
        {({ percentage }) => (
          <>
            <span className="upload-name">{name}</span>
            <span className="upload-status">{status}</span>
            <span className="upload-bar" aria-hidden="true">
              <span
                className="upload-fill"
                style={{ width: `${isUploading ? (percentage ?? 0) : 0}%` }}
              />
            </span>
          </>
        )}
      </ProgressBar>
      <Button
        className="secondary-button"
        aria-label={t('attachments.cancelLabel', { name })}
        isDisabled={upload.state === 'delivering'}
        onPress={() => {
          uploads.cancel(upload.id);
        }}
      >
        {t('attachments.cancel')}
      </Button>
    </li>
  );
}
