import {
  vaultPrfUnlock,
  type LocalStore,
  type PasskeyAuthenticator,
  type PasskeysApi,
} from '@amtsbote/client';
import type { PasskeyView } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { DeviceVault } from '../../session/device-vault.js';
import { AddPasskeyForm } from './AddPasskeyForm.js';
import { saveUnlockPasskeyId } from './passkey-unlock-record.js';
import { ProfileAlert } from './ProfileAlert.js';
import { usePasskeys } from './use-passkeys.js';

export interface PasskeysSectionProps {
  readonly api: PasskeysApi;
  readonly authenticator: PasskeyAuthenticator;
  readonly vault: DeviceVault;
  readonly store: LocalStore;
  readonly defaultName: string;
}

/** The account's passkeys (sign-in) and the passkey unlock of this device's vault. */
export function PasskeysSection(props: PasskeysSectionProps): ReactElement {
  const { api, authenticator, vault, store } = props;
  const { t, i18n } = useTranslation();
  const state = usePasskeys(api, vault, store);
  const [canUnlock, setCanUnlock] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [isBusy, setBusy] = useState(false);

  useEffect(() => {
    void authenticator.supportsPrf().then(setCanUnlock);
  }, [authenticator]);

  /** Runs a change, then announces it (or its error) and reads the list again. */
  const run = (change: () => Promise<string>): void => {
    setBusy(true);
    setNotice(null);
    setError(null);
    void (async () => {
      try {
        setNotice(await change());
      } catch (caught) {
        setError(caught);
      }
      await state.reload().catch(setError);
      setBusy(false);
    })();
  };

  const remove = (passkey: PasskeyView): void => {
    setConfirming(null);
    run(async () => {
      await api.remove(passkey.id);
      if (state.isUnlockOn && state.unlockPasskeyId === passkey.id) {
        await vault.removePasskeyUnlock();
        await saveUnlockPasskeyId(store, null);
      }
      return t('profile.passkeyRemoved', { name: passkey.name });
    });
  };

  const enableUnlock = (): void => {
    run(async () => {
      await vault.addPasskeyUnlock(await vaultPrfUnlock(authenticator, null));
      // The user picked one of their passkeys; which of the server's entries it is, is unknown.
      await saveUnlockPasskeyId(store, null);
      return t('profile.unlockEnabled');
    });
  };

  const disableUnlock = (): void => {
    run(async () => {
      await vault.removePasskeyUnlock();
      await saveUnlockPasskeyId(store, null);
      return t('profile.unlockDisabled');
    });
  };

  const time = (iso: string): string => new Date(iso).toLocaleString(i18n.language);
  const passkeys = state.passkeys;

  return (
    <section className="profile-section" aria-labelledby="profile-passkeys">
      <h3 id="profile-passkeys">{t('profile.passkeys')}</h3>
      <p>{t('profile.passkeysIntro')}</p>
      {!authenticator.isSupported ? <p>{t('profile.passkeysUnsupported')}</p> : null}
      {passkeys !== null && passkeys.length === 0 ? (
        <p className="muted">{t('profile.noPasskeys')}</p>
      ) : null}
      {passkeys !== null && passkeys.length > 0 ? (
        <ul className="device-list">
          {passkeys.map((passkey) => (
            <li key={passkey.id} className="device" data-testid="passkey">
              <span className="device-name">{passkey.name}</span>
              {state.unlockPasskeyId === passkey.id ? (
                <span className="profile-badge">{t('profile.passkeyUnlocksHere')}</span>
              ) : null}
              <span className="muted">
                {t('profile.passkeyCreated', { time: time(passkey.createdAt) })}
              </span>
              <span className="muted">
                {passkey.lastUsedAt === null
                  ? t('profile.passkeyNeverUsed')
                  : t('profile.passkeyLastUsed', { time: time(passkey.lastUsedAt) })}
              </span>
              {confirming === passkey.id ? (
                <span className="confirm">
                  <span role="alert">
                    {t('profile.removePasskeyConfirm', { name: passkey.name })}
                  </span>
                  <Button
                    className="primary-button danger"
                    isDisabled={isBusy}
                    onPress={() => remove(passkey)}
                  >
                    {t('profile.removePasskey')}
                  </Button>
                  <Button className="secondary-button" onPress={() => setConfirming(null)}>
                    {t('profile.cancel')}
                  </Button>
                </span>
              ) : (
                <Button className="secondary-button" onPress={() => setConfirming(passkey.id)}>
                  {t('profile.removePasskey')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {authenticator.isSupported ? (
        <AddPasskeyForm
          api={api}
          vault={vault}
          store={store}
          canUnlock={canUnlock}
          defaultName={props.defaultName}
          onAdded={(added, refusal) => {
            setNotice(added);
            setError(refusal);
            void state.reload().catch(setError);
          }}
          onFailed={setError}
        />
      ) : null}
      {canUnlock || state.isUnlockOn ? (
        <div className="profile-unlock">
          <h4>{t('profile.unlockTitle')}</h4>
          <p>{state.isUnlockOn ? t('profile.unlockOn') : t('profile.unlockOff')}</p>
          {state.isUnlockOn ? (
            <Button className="secondary-button" isDisabled={isBusy} onPress={disableUnlock}>
              {t('profile.unlockDisable')}
            </Button>
          ) : passkeys !== null && passkeys.length > 0 ? (
            <Button className="secondary-button" isDisabled={isBusy} onPress={enableUnlock}>
              {t('profile.unlockEnable')}
            </Button>
          ) : null}
        </div>
      ) : null}
      <p role="status" className="profile-status">
        {notice}
      </p>
      <ProfileAlert error={error ?? state.error} />
    </section>
  );
}
