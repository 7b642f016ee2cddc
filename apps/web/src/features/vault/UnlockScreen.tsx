import type { LocalStore } from '@amtsbote/client';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import {
  UnlockRefusedError,
  type DeviceVault,
  type UnlockRefusal,
} from '../../session/device-vault.js';
import { Page } from '../../ui/Page.js';
import { PasskeyUnlock } from '../profile/PasskeyUnlock.js';
import { TextInput } from '../../ui/TextInput.js';

export interface UnlockScreenProps {
  readonly vault: DeviceVault;
  readonly onUnlocked: (store: LocalStore) => void;
  /**
   * The vault is gone: wiped after too many wrong PINs (`afterFailures`), or by the user who
   * forgot the PIN. Either way the user signs in again.
   */
  readonly onWiped: (afterFailures: boolean) => void;
}

/** The lock screen: shows no content, only the PIN field. */
export function UnlockScreen({ vault, onUnlocked, onWiped }: UnlockScreenProps): ReactElement {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<UnlockRefusal | null>(null);
  const [isFailed, setFailed] = useState(false);

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    setFailed(false);
    vault
      .unlock(pin)
      .then(onUnlocked)
      .catch((error: unknown) => {
        setBusy(false);
        setPin('');
        if (!(error instanceof UnlockRefusedError)) {
          setFailed(true);
          return;
        }
        if (error.refusal.kind === 'wiped') {
          onWiped(true);
          return;
        }
        setRefusal(error.refusal);
      });
  };

  const forget = (): void => {
    setBusy(true);
    vault
      .wipe()
      .then(() => {
        onWiped(false);
      })
      .catch(() => {
        setBusy(false);
        setFailed(true);
      });
  };

  return (
    <Page title={t('vault.unlockTitle')}>
      <p>{t('vault.unlockIntro')}</p>
      <Form onSubmit={submit} className="form">
        <TextInput
          name="pin"
          type="password"
          label={t('vault.pin')}
          autoComplete="current-password"
          value={pin}
          onChange={setPin}
          autoFocus
        />
        <div role="alert" className="problem-region">
          {refusal?.kind === 'wrong_pin' ? (
            <p className="problem">{t('vault.wrongPin', { count: refusal.attemptsLeft })}</p>
          ) : null}
          {refusal?.kind === 'locked_out' ? (
            <p className="problem">
              {t('vault.lockedOut', { seconds: Math.ceil(refusal.retryInMs / 1000) })}
            </p>
          ) : null}
          {isFailed ? <p className="problem">{t('problems.unexpected')}</p> : null}
        </div>
        <Button type="submit" className="primary-button" isDisabled={isBusy}>
          {isBusy ? t('vault.unlocking') : t('vault.unlock')}
        </Button>
      </Form>
      <PasskeyUnlock
        vault={vault}
        onUnlocked={onUnlocked}
        onWiped={() => {
          onWiped(true);
        }}
      />
      <Button className="link-button" onPress={forget} isDisabled={isBusy}>
        {t('vault.forgot')}
      </Button>
    </Page>
  );
}
