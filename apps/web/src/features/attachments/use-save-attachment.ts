import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isDamagedFile, saveAttachment } from './save-attachment.js';

export interface SavingAttachment {
  readonly isSaving: boolean;
  /** What became of the last save, for a status region; '' before any. */
  readonly status: string;
  /** Call from the press itself (the save dialog needs the gesture). */
  readonly start: (open: () => Promise<ReadableStream<Uint8Array>>) => void;
}

/** Saving one attachment, with its progress and outcome in words. */
export function useSaveAttachment(name: string): SavingAttachment {
  const { t } = useTranslation();
  const [isSaving, setSaving] = useState(false);
  const [status, setStatus] = useState('');
  return {
    isSaving,
    status,
    start: (open) => {
      setSaving(true);
      setStatus(t('attachments.downloading'));
      void saveAttachment(name, open)
        .then(
          (result) => {
            setStatus(result === 'saved' ? t('attachments.saved', { name }) : '');
          },
          (error: unknown) => {
            setStatus(
              isDamagedFile(error)
                ? t('attachments.damaged', { name })
                : t('attachments.downloadFailed', { name }),
            );
          },
        )
        .finally(() => {
          setSaving(false);
        });
    },
  };
}
