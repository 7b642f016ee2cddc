import { HttpApi } from '@amtsbote/client';
import type { PasskeyChallenge, SessionGrant } from '@amtsbote/protocol';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { webDeviceInfo } from '../../session/device-info.js';
import { Page } from '../../ui/Page.js';
import { PasskeySignIn } from '../profile/PasskeySignIn.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { TextInput } from '../../ui/TextInput.js';

export interface LoginScreenProps {
  readonly origin: string;
  /** Shown above the form, e.g. why the previous session ended. */
  readonly notice: Problem | null;
  readonly onAuthenticated: (grant: SessionGrant, http: HttpApi) => void;
}

/** Password sign-in; the organization is remembered on this device for the next time. */
export function LoginScreen({ origin, notice, onAuthenticated }: LoginScreenProps): ReactElement {
  const { t } = useTranslation();
  const [organization, setOrganization] = useState(
    () => localStorage.getItem(ORGANIZATION_KEY) ?? '',
  );
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(notice);
  const [challenge, setChallenge] = useState<PasskeyChallenge | null>(null);

  const signedIn = (grant: SessionGrant, http: HttpApi): void => {
    localStorage.setItem(ORGANIZATION_KEY, organization);
    onAuthenticated(grant, http);
  };

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const http = new HttpApi({ baseUrl: origin });
    http
      .login({ organization, username, password, device: webDeviceInfo(navigator.userAgent) })
      .then((response) => {
        if (response.status === 'passkey_required') {
          setChallenge(response);
          setBusy(false);
          return;
        }
        signedIn(response, http);
      })
      .catch((error: unknown) => {
        setProblem(problemOf(error));
        setBusy(false);
      });
  };

  return (
    <Page title={t('login.title')}>
      <Form onSubmit={submit} className="form">
        <TextInput
          name="organization"
          label={t('fields.organization')}
          autoComplete="organization"
          value={organization}
          onChange={setOrganization}
          autoFocus={organization === ''}
        />
        <TextInput
          name="username"
          label={t('fields.username')}
          autoComplete="username"
          value={username}
          onChange={setUsername}
          autoFocus={organization !== ''}
        />
        <TextInput
          name="password"
          type="password"
          label={t('fields.password')}
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <ProblemAlert problem={problem} />
        <Button type="submit" className="primary-button" isDisabled={isBusy}>
          {isBusy ? t('login.submitting') : t('login.submit')}
        </Button>
      </Form>
      <PasskeySignIn
        origin={origin}
        organization={organization}
        challenge={challenge}
        onAuthenticated={signedIn}
      />
    </Page>
  );
}

/** Not secret: the organization's short name, so colleagues on a shared device need not retype it. */
const ORGANIZATION_KEY = 'amtsbote.organization';
