import { PasskeysApi, SessionsApi } from '@amtsbote/client';
import { useMemo, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { AccountSession } from '../../session/account-session.js';
import { webDeviceInfo } from '../../session/device-info.js';
import type { DeviceVault } from '../../session/device-vault.js';
import { PasskeysSection } from './PasskeysSection.js';
import { SessionsSection } from './SessionsSection.js';
import { usePasskeyAuthenticator } from './use-passkey-authenticator.js';

export interface ProfileDialogProps {
  readonly session: AccountSession;
  readonly vault: DeviceVault;
  readonly isOpen: boolean;
  readonly onClose: () => void;
  /** Opens the device list (this dialog closes first). */
  readonly onShowDevices: () => void;
  /** Ending this device's own session: signs out as logout does. */
  readonly onEndOwnSession: () => void;
}

/** "Profile and security": the account, its sessions and passkeys, the passkey unlock here. */
export function ProfileDialog(props: ProfileDialogProps): ReactElement {
  const { t } = useTranslation();
  const { http, profile, store } = props.session;
  const authenticator = usePasskeyAuthenticator();
  const sessionsApi = useMemo(() => new SessionsApi(http), [http]);
  const passkeysApi = useMemo(() => new PasskeysApi(http, authenticator), [http, authenticator]);

  return (
    <Modal
      isOpen={props.isOpen}
      onOpenChange={(open) => (open ? undefined : props.onClose())}
      isDismissable
      className="modal profile-modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('profile.title')}</Heading>
        <section className="profile-section" aria-labelledby="profile-account">
          <h3 id="profile-account">{t('profile.account')}</h3>
          <dl className="profile-facts">
            <dt>{t('profile.displayName')}</dt>
            <dd>{profile.displayName}</dd>
            <dt>{t('profile.username')}</dt>
            <dd>{profile.username}</dd>
            <dt>{t('profile.organization')}</dt>
            <dd>
              {t('profile.organizationValue', {
                name: profile.organizationName,
                slug: profile.organizationSlug,
              })}
            </dd>
          </dl>
        </section>
        <SessionsSection
          api={sessionsApi}
          onEndOwnSession={props.onEndOwnSession}
          onShowDevices={props.onShowDevices}
        />
        <PasskeysSection
          api={passkeysApi}
          authenticator={authenticator}
          vault={props.vault}
          store={store}
          defaultName={webDeviceInfo(navigator.userAgent).name}
        />
        <div className="dialog-actions">
          <Button className="primary-button" onPress={props.onClose}>
            {t('profile.close')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
