import { HttpApi } from '@amtsbote/client';
import {
  organizationNameSchema,
  organizationSlugSchema,
  type SessionGrant,
} from '@amtsbote/protocol';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { webDeviceInfo } from '../../session/device-info.js';
import { Page } from '../../ui/Page.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { TextInput, invalidUnless } from '../../ui/TextInput.js';
import { NewAccountFields, type NewAccountValues } from '../auth/NewAccountFields.js';

export interface SetupScreenProps {
  readonly origin: string;
  /** The one-time token from the setup link's fragment; null when the page was opened without it. */
  readonly token: string | null;
  readonly onAuthenticated: (grant: SessionGrant, http: HttpApi) => void;
}

/** First start: the organization and its first administrator, from the server's setup link. */
export function SetupScreen({ origin, token, onAuthenticated }: SetupScreenProps): ReactElement {
  const { t } = useTranslation();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [account, setAccount] = useState<NewAccountValues>({
    displayName: '',
    username: '',
    password: '',
  });
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  if (token === null) {
    return (
      <Page title={t('setup.title')}>
        <p>{t('setup.missingLink')}</p>
      </Page>
    );
  }

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const http = new HttpApi({ baseUrl: origin });
    http
      .setup({
        token,
        organization: { slug, name },
        admin: {
          username: account.username,
          displayName: account.displayName,
          password: account.password,
        },
        device: webDeviceInfo(navigator.userAgent),
      })
      .then((grant) => {
        onAuthenticated(grant, http);
      })
      .catch((error: unknown) => {
        setProblem(problemOf(error));
        setBusy(false);
      });
  };

  return (
    <Page title={t('setup.title')}>
      <p>{t('setup.intro')}</p>
      <Form onSubmit={submit} className="form">
        <TextInput
          name="organizationName"
          label={t('fields.organizationName')}
          value={name}
          onChange={setName}
          validate={invalidUnless(organizationNameSchema, t('fields.invalid'))}
          autoFocus
        />
        <TextInput
          name="organization"
          label={t('fields.organization')}
          description={t('fields.organizationHint')}
          value={slug}
          onChange={setSlug}
          validate={invalidUnless(organizationSlugSchema, t('fields.invalid'))}
        />
        <NewAccountFields values={account} onChange={setAccount} />
        <ProblemAlert problem={problem} />
        <Button type="submit" className="primary-button" isDisabled={isBusy}>
          {isBusy ? t('setup.submitting') : t('setup.submit')}
        </Button>
      </Form>
    </Page>
  );
}
