import type { HttpApi, LocalStore } from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Disclosure, DisclosurePanel, Form, Heading } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import {
  requestDeviceLink,
  startWithRecoveryKey,
  type AccountSession,
  type PendingDeviceLink,
} from '../../session/account-session.js';
import { Page } from '../../ui/Page.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { TextInput } from '../../ui/TextInput.js';

export interface DeviceLinkScreenProps {
  readonly origin: string;
  readonly grant: SessionGrant;
  readonly http: HttpApi;
  readonly store: LocalStore;
  readonly onReady: (session: AccountSession) => void;
}

/**
 * A further device of a user: shows the code to enter on one of the user's devices and waits
 * for the approval; or takes the recovery key when no other device is at hand.
 */
export function DeviceLinkScreen({
  origin,
  grant,
  http,
  store,
  onReady,
}: DeviceLinkScreenProps): ReactElement {
  const { t, i18n } = useTranslation();
  const [link, setLink] = useState<PendingDeviceLink | null>(null);
  const [recoveryKey, setRecoveryKey] = useState('');
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [isExpired, setExpired] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    void (async () => {
      try {
        const pending = await requestDeviceLink(origin, http, grant, store);
        if (abort.signal.aborted) return;
        setLink(pending);
        onReady(await pending.complete(abort.signal));
      } catch (error) {
        if (abort.signal.aborted) return;
        const code = (error as { code?: unknown }).code;
        if (code === 'device_link_expired') setExpired(true);
        else setProblem(problemOf(error));
      }
    })();
    return () => {
      abort.abort();
    };
  }, [origin, http, grant, store, onReady]);

  const submitRecovery = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    startWithRecoveryKey(origin, http, grant, store, recoveryKey.trim())
      .then(onReady)
      .catch((error: unknown) => {
        setProblem(problemOf(error));
        setBusy(false);
      });
  };

  return (
    <Page title={t('device.linkTitle')}>
      <p>{t('device.linkIntro')}</p>
      {link === null ? (
        <p role="status">{t('device.preparing')}</p>
      ) : (
        <>
          <p className="link-code" data-testid="link-code">
            <code>{link.view.code}</code>
          </p>
          <p>
            {t('device.linkExpires', {
              time: new Date(link.view.expiresAt).toLocaleTimeString(i18n.language, {
                hour: '2-digit',
                minute: '2-digit',
              }),
            })}
          </p>
          <p role="status">{isExpired ? t('device.linkExpired') : t('device.linkWaiting')}</p>
        </>
      )}
      <Disclosure className="disclosure">
        <Heading>
          <Button slot="trigger" className="link-button">
            {t('device.recoveryAlternative')}
          </Button>
        </Heading>
        <DisclosurePanel>
          <Form className="form" onSubmit={submitRecovery}>
            <TextInput
              name="recoveryKey"
              label={t('device.recoveryKey')}
              autoComplete="off"
              value={recoveryKey}
              onChange={setRecoveryKey}
            />
            <Button type="submit" className="primary-button" isDisabled={isBusy}>
              {t('device.recoverySubmit')}
            </Button>
          </Form>
        </DisclosurePanel>
      </Disclosure>
      <ProblemAlert problem={problem} />
    </Page>
  );
}
