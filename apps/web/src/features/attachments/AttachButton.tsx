import type { ReactElement } from 'react';
import { Button, FileTrigger } from 'react-aria-components';
import { useTranslation } from 'react-i18next';

export interface AttachButtonProps {
  readonly onSelect: (files: File[]) => void;
  readonly isDisabled?: boolean;
}

/** The composer's paper clip: opens the device's file picker, several files at once. */
export function AttachButton({ onSelect, isDisabled = false }: AttachButtonProps): ReactElement {
  const { t } = useTranslation();
  return (
    <FileTrigger
      allowsMultiple
      onSelect={(list) => {
        if (list !== null) onSelect([...list]);
      }}
    >
      <Button
        className="attach-button"
        aria-label={t('attachments.attach')}
        isDisabled={isDisabled}
      >
        <svg className="attach-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" />
        </svg>
      </Button>
    </FileTrigger>
  );
}
