import { displayNameSchema, usernameSchema } from '@amtsbote/protocol';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { TextInput, invalidUnless } from '../../ui/TextInput.js';
import { PasswordPair } from './PasswordPair.js';

export interface NewAccountValues {
  readonly displayName: string;
  readonly username: string;
  readonly password: string;
  /** Shown only when not undefined (invitations ask for it; the first administrator not). */
  readonly department?: string;
}

/** The fields of a new account: display name, (department,) username and password twice. */
export function NewAccountFields({
  values,
  onChange,
  isFirstFocused = false,
}: {
  readonly values: NewAccountValues;
  readonly onChange: (values: NewAccountValues) => void;
  readonly isFirstFocused?: boolean;
}): ReactElement {
  const { t } = useTranslation();
  return (
    <>
      <TextInput
        name="displayName"
        label={t('fields.displayName')}
        autoComplete="name"
        value={values.displayName}
        onChange={(displayName) => {
          onChange({ ...values, displayName });
        }}
        validate={invalidUnless(displayNameSchema, t('fields.invalid'))}
        autoFocus={isFirstFocused}
      />
      {values.department === undefined ? null : (
        <TextInput
          name="department"
          label={t('fields.department')}
          autoComplete="organization-title"
          value={values.department}
          onChange={(department) => {
            onChange({ ...values, department });
          }}
          isRequired={false}
          maxLength={100}
        />
      )}
      <TextInput
        name="username"
        label={t('fields.username')}
        description={t('fields.usernameHint')}
        autoComplete="username"
        value={values.username}
        onChange={(username) => {
          onChange({ ...values, username });
        }}
        validate={invalidUnless(usernameSchema, t('fields.invalid'))}
      />
      <PasswordPair
        value={values.password}
        onChange={(password) => {
          onChange({ ...values, password });
        }}
      />
    </>
  );
}
