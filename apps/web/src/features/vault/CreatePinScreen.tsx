import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { MIN_PIN_CHARS } from '../../session/device-vault.js';
import { Page } from '../../ui/Page.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { TextInput } from '../../ui/TextInput.js';

/** After the first sign-in on this device: the PIN that seals the vault. */
export function CreatePinScreen({
  onCreate,
}: {
  readonly onCreate: (pin: string) => Promise<void>;
}): ReactElement {
  const { t } = useTranslation();
  const [pin, setPin] = useState('');
  const [repeat, setRepeat] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    onCreate(pin).catch((error: unknown) => {
      setProblem(problemOf(error));
      setBusy(false);
    });
  };

  return (
    <Page title={t('vault.createTitle')}>
      <p>{t('vault.createIntro')}</p>
      <Form onSubmit={submit} className="form">
        <TextInput
          name="pin"
          type="password"
          label={t('vault.pin')}
          description={t('vault.pinHint')}
          autoComplete="new-password"
          value={pin}
          onChange={setPin}
          validate={(value) => (value.length >= MIN_PIN_CHARS ? null : t('vault.pinTooShort'))}
          autoFocus
        />
        <TextInput
          name="pinRepeat"
          type="password"
          label={t('vault.pinRepeat')}
          autoComplete="new-password"
          value={repeat}
          onChange={setRepeat}
          validate={(value) => (value === pin ? null : t('vault.pinMismatch'))}
        />
        <ProblemAlert problem={problem} />
        <Button type="submit" className="primary-button" isDisabled={isBusy}>
          {t('vault.create')}
        </Button>
      </Form>
    </Page>
  );
}
