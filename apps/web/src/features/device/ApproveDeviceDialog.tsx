import type { MessagingClient } from '@amtsbote/client';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Dialog, Form, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { TextInput } from '../../ui/TextInput.js';

export interface ApproveDeviceDialogProps {
  readonly client: MessagingClient;
  readonly isOpen: boolean;
  readonly onClose: () => void;
}

/** On a device of the user: approves a new one by the code it shows. */
export function ApproveDeviceDialog({
  client,
  isOpen,
  onClose,
}: ApproveDeviceDialogProps): ReactElement {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [approvedName, setApprovedName] = useState<string | null>(null);
  const [isFailed, setFailed] = useState(false);

  const close = (): void => {
    setCode('');
    setApprovedName(null);
    setFailed(false);
    onClose();
  };

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setFailed(false);
    client
      .approveDevice(code.trim())
      .then((device) => {
        setApprovedName(device.deviceName);
        setBusy(false);
      })
      .catch(() => {
        setFailed(true);
        setBusy(false);
      });
  };

  return (
    <Modal
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : close())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('device.addDeviceTitle')}</Heading>
        {approvedName === null ? (
          <Form className="form" onSubmit={submit}>
            <p>{t('device.addDeviceIntro')}</p>
            <TextInput
              name="code"
              label={t('device.code')}
              autoComplete="off"
              value={code}
              onChange={setCode}
              autoFocus
            />
            <div role="alert" className="problem-region">
              {isFailed ? <p className="problem">{t('device.codeInvalid')}</p> : null}
            </div>
            <div className="dialog-actions">
              <Button className="secondary-button" onPress={close}>
                {t('create.cancel')}
              </Button>
              <Button type="submit" className="primary-button" isDisabled={isBusy}>
                {isBusy ? t('device.approving') : t('device.approve')}
              </Button>
            </div>
          </Form>
        ) : (
          <>
            <p role="status">{t('device.approved', { name: approvedName })}</p>
            <div className="dialog-actions">
              <Button className="primary-button" onPress={close}>
                {t('admin.close')}
              </Button>
            </div>
          </>
        )}
      </Dialog>
    </Modal>
  );
}
