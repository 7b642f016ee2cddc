import { useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { passwordSchema } from '@amtsbote/protocol';
import { TextInput, invalidUnless } from '../../ui/TextInput.js';

/** A new password, typed twice; the second field reports a mismatch. */
export function PasswordPair({
  value,
  onChange,
}: {
  readonly value: string;
  readonly onChange: (value: string) => void;
}): ReactElement {
  const { t } = useTranslation();
  const [repeat, setRepeat] = useState('');
  return (
    <>
      <TextInput
        name="password"
        type="password"
        label={t('fields.password')}
        description={t('fields.passwordHint')}
        autoComplete="new-password"
        value={value}
        onChange={onChange}
        validate={invalidUnless(passwordSchema, t('fields.tooShort'))}
      />
      <TextInput
        name="passwordRepeat"
        type="password"
        label={t('fields.passwordRepeat')}
        autoComplete="new-password"
        value={repeat}
        onChange={setRepeat}
        validate={(repeated) => (repeated === value ? null : t('fields.passwordMismatch'))}
      />
    </>
  );
}
