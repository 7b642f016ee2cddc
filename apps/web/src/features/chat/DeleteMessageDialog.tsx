import type { ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';

/** Asks before a message is deleted for everyone. */
export function DeleteMessageDialog({
  isOpen,
  onClose,
  onConfirm,
}: {
  readonly isOpen: boolean;
  readonly onClose: () => void;
  readonly onConfirm: () => void;
}): ReactElement {
  const { t } = useTranslation();
  return (
    <Modal
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : onClose())}
      isDismissable
      className="modal"
    >
      <Dialog role="alertdialog" className="dialog">
        <Heading slot="title">{t('message.deleteTitle')}</Heading>
        <p>{t('message.deleteIntro')}</p>
        <div className="dialog-actions">
          <Button className="secondary-button" onPress={onClose} autoFocus>
            {t('message.cancel')}
          </Button>
          <Button className="primary-button danger" onPress={onConfirm}>
            {t('message.delete')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
