import { vaultPrfUnlock, type LocalStore } from '@amtsbote/client';
import { useEffect, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { UnlockRefusedError, type DeviceVault } from '../../session/device-vault.js';
import { ProfileAlert } from './ProfileAlert.js';
import { usePasskeyAuthenticator } from './use-passkey-authenticator.js';

export interface PasskeyUnlockProps {
  readonly vault: DeviceVault;
  readonly onUnlocked: (store: LocalStore) => void;
  readonly onWiped: () => void;
}

/** "Unlock with passkey" beside the PIN, where a passkey unlocks this vault (ADR 0016). */
export function PasskeyUnlock({
  vault,
  onUnlocked,
  onWiped,
}: PasskeyUnlockProps): ReactElement | null {
  const { t } = useTranslation();
  const authenticator = usePasskeyAuthenticator();
  const [credentialId, setCredentialId] = useState<Uint8Array | null>(null);
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!authenticator.isSupported) return;
    let isCurrent = true;
    vault.passkeyUnlockId().then(
      (id) => {
        if (isCurrent) setCredentialId(id);
      },
      // No passkey unlock to offer; the PIN form says what is wrong with the vault.
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [vault, authenticator]);

  if (credentialId === null) return null;

  const unlock = (): void => {
    setBusy(true);
    setError(null);
    void (async () => {
      try {
        const { prfOutput } = await vaultPrfUnlock(authenticator, credentialId);
        onUnlocked(await vault.unlockWithPasskey(prfOutput));
      } catch (caught) {
        if (caught instanceof UnlockRefusedError && caught.refusal.kind === 'wiped') {
          onWiped();
          return;
        }
        setError(caught);
        setBusy(false);
      }
    })();
  };

  return (
    <div className="passkey-unlock">
      <Button className="secondary-button" onPress={unlock} isDisabled={isBusy}>
        {isBusy ? t('profile.unlockingWithPasskey') : t('profile.unlockWithPasskey')}
      </Button>
      <ProfileAlert error={error} />
    </div>
  );
}
