import type { LocalStore, PasskeysApi } from '@amtsbote/client';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { DeviceVault } from '../../session/device-vault.js';
import { CheckboxItem } from '../../ui/CheckboxItem.js';
import { TextInput } from '../../ui/TextInput.js';
import { saveUnlockPasskeyId } from './passkey-unlock-record.js';

export interface AddPasskeyFormProps {
  readonly api: PasskeysApi;
  readonly vault: DeviceVault;
  readonly store: LocalStore;
  /** Whether the browser offers the PRF extension, so the passkey can unlock the vault. */
  readonly canUnlock: boolean;
  readonly defaultName: string;
  /** Done: what to announce, and the reason the passkey does not unlock although asked. */
  readonly onAdded: (notice: string, refusal: unknown) => void;
  readonly onFailed: (error: unknown) => void;
}

/** Registers a new passkey; where the browser can, it unlocks the vault too. */
export function AddPasskeyForm(props: AddPasskeyFormProps): ReactElement {
  const { t } = useTranslation();
  const [name, setName] = useState(props.defaultName);
  const [isForUnlock, setForUnlock] = useState(true);
  const [isBusy, setBusy] = useState(false);

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    const isForVault = props.canUnlock && isForUnlock;
    void (async () => {
      try {
        const registered = await props.api.register({ name: name.trim(), isForVault });
        const passkeyName = registered.passkey.name;
        setName('');
        if (registered.vaultUnlock === null) {
          props.onAdded(
            t('profile.passkeyAdded', { name: passkeyName }),
            registered.vaultUnlockRefusal,
          );
          return;
        }
        await props.vault.addPasskeyUnlock(registered.vaultUnlock);
        await saveUnlockPasskeyId(props.store, registered.passkey.id);
        props.onAdded(t('profile.passkeyAddedWithUnlock', { name: passkeyName }), null);
      } catch (error) {
        props.onFailed(error);
      } finally {
        setBusy(false);
      }
    })();
  };

  return (
    <Form onSubmit={submit} className="form" aria-labelledby="profile-add-passkey">
      <h4 id="profile-add-passkey">{t('profile.addPasskeyTitle')}</h4>
      <TextInput
        name="passkey-name"
        label={t('profile.passkeyName')}
        description={t('profile.passkeyNameHint')}
        maxLength={80}
        validate={(value) => (value.trim() === '' ? t('fields.required') : null)}
        value={name}
        onChange={setName}
      />
      {props.canUnlock ? (
        <CheckboxItem isSelected={isForUnlock} onChange={setForUnlock}>
          {t('profile.useForUnlock')}
        </CheckboxItem>
      ) : null}
      <Button type="submit" className="primary-button" isDisabled={isBusy}>
        {isBusy ? t('profile.addingPasskey') : t('profile.addPasskey')}
      </Button>
    </Form>
  );
}
