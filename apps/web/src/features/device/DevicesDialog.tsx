import type { HttpApi } from '@amtsbote/client';
import { deviceViewSchema, type DeviceView } from '@amtsbote/protocol';
import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { z } from 'zod';

const devicesSchema = z.object({ devices: z.array(deviceViewSchema) });

export interface DevicesDialogProps {
  readonly http: HttpApi;
  readonly isOpen: boolean;
  readonly onClose: () => void;
}

/**
 * The user's devices; any other one can be signed out, which erases its vault the next time it
 * connects (remote wipe).
 */
export function DevicesDialog({ http, isOpen, onClose }: DevicesDialogProps): ReactElement {
  const { t, i18n } = useTranslation();
  const [devices, setDevices] = useState<readonly DeviceView[]>([]);
  const [confirming, setConfirming] = useState<DeviceView | null>(null);

  const load = useCallback(async () => {
    const response = await http.request('GET', '/api/me/devices', undefined, devicesSchema);
    setDevices(response.devices);
  }, [http]);

  useEffect(() => {
    if (isOpen) void load().catch(() => undefined);
  }, [isOpen, load]);

  const revoke = (device: DeviceView): void => {
    setConfirming(null);
    void http
      .request(
        'POST',
        `/api/me/devices/${encodeURIComponent(device.id)}/revoke`,
        undefined,
        z.unknown(),
      )
      .then(load)
      .catch(() => undefined);
  };

  return (
    <Modal
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : onClose())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('device.devicesTitle')}</Heading>
        <ul className="device-list">
          {devices.map((device) => (
            <li key={device.id} className="device">
              <span className="device-name">{device.name}</span>
              {device.isCurrent ? <span className="muted">{t('device.thisDevice')}</span> : null}
              <span className="muted">
                {t('device.lastSeen', {
                  time: new Date(device.lastSeenAt).toLocaleString(i18n.language),
                })}
              </span>
              {device.revokedAt !== null ? (
                <span className="muted">{t('device.revoked')}</span>
              ) : device.isCurrent ? null : confirming?.id === device.id ? (
                <span className="confirm">
                  <span role="alert">{t('device.revokeConfirm', { name: device.name })}</span>
                  <Button className="primary-button danger" onPress={() => revoke(device)}>
                    {t('device.revoke')}
                  </Button>
                  <Button className="secondary-button" onPress={() => setConfirming(null)}>
                    {t('create.cancel')}
                  </Button>
                </span>
              ) : (
                <Button className="secondary-button" onPress={() => setConfirming(device)}>
                  {t('device.revoke')}
                </Button>
              )}
            </li>
          ))}
        </ul>
        <div className="dialog-actions">
          <Button className="primary-button" onPress={onClose}>
            {t('admin.close')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
