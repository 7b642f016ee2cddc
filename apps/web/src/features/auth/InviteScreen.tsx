import { HttpApi } from '@amtsbote/client';
import { inviteInfoSchema, type SessionGrant } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { problemOf, type Problem } from '../../app/problems.js';
import { webDeviceInfo } from '../../session/device-info.js';
import { Page } from '../../ui/Page.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { NewAccountFields, type NewAccountValues } from './NewAccountFields.js';

export interface InviteScreenProps {
  readonly origin: string;
  /** The invite token from the link's fragment; null when the page was opened without it. */
  readonly token: string | null;
  readonly onAuthenticated: (grant: SessionGrant, http: HttpApi) => void;
}

type InviteInfo = z.infer<typeof inviteInfoSchema>;

/** A colleague's invitation: shows the organization, then creates the account. */
export function InviteScreen({ origin, token, onAuthenticated }: InviteScreenProps): ReactElement {
  const { t, i18n } = useTranslation();
  const [info, setInfo] = useState<InviteInfo | null>(null);
  const [account, setAccount] = useState<NewAccountValues>({
    displayName: '',
    username: '',
    password: '',
    department: '',
  });
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  useEffect(() => {
    if (token === null) return;
    new HttpApi({ baseUrl: origin })
      .request('POST', '/api/invites/inspect', { token }, inviteInfoSchema)
      .then(setInfo)
      .catch((error: unknown) => {
        setProblem(problemOf(error));
      });
  }, [origin, token]);

  if (token === null) {
    return (
      <Page title={t('invite.title')}>
        <p>{t('invite.missingLink')}</p>
      </Page>
    );
  }

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const http = new HttpApi({ baseUrl: origin });
    http
      .acceptInvite({
        token,
        username: account.username,
        displayName: account.displayName,
        ...(account.department === undefined || account.department.trim() === ''
          ? {}
          : { department: account.department.trim() }),
        password: account.password,
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
    <Page title={t('invite.title')}>
      {info === null ? (
        <>
          {problem === null ? <p role="status">{t('invite.checking')}</p> : null}
          <ProblemAlert problem={problem} />
        </>
      ) : (
        <>
          <p>
            {t('invite.intro', {
              organization: info.organization.name,
              expiresAt: new Date(info.expiresAt).toLocaleString(i18n.language),
            })}
          </p>
          <Form onSubmit={submit} className="form">
            <NewAccountFields values={account} onChange={setAccount} isFirstFocused />
            <ProblemAlert problem={problem} />
            <Button type="submit" className="primary-button" isDisabled={isBusy}>
              {isBusy ? t('invite.submitting') : t('invite.submit')}
            </Button>
          </Form>
        </>
      )}
    </Page>
  );
}
