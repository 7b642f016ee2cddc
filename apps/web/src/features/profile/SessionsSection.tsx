import type { AccountSessionEntry, SessionsApi } from '@amtsbote/client';
import { useCallback, useEffect, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { platformKey } from './platform-label.js';
import { ProfileAlert } from './ProfileAlert.js';

export interface SessionsSectionProps {
  readonly api: SessionsApi;
  /** Ending the current session signs this device out, as logout does. */
  readonly onEndOwnSession: () => void;
  readonly onShowDevices: () => void;
}

/** Where the user is signed in; any session can be ended, this one included. */
export function SessionsSection({
  api,
  onEndOwnSession,
  onShowDevices,
}: SessionsSectionProps): ReactElement {
  const { t, i18n } = useTranslation();
  const [sessions, setSessions] = useState<readonly AccountSessionEntry[] | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setSessions(await api.list());
  }, [api]);

  useEffect(() => {
    load().catch(setError);
  }, [load]);

  const end = (session: AccountSessionEntry): void => {
    setConfirming(null);
    setError(null);
    setNotice(null);
    if (session.isCurrent) {
      onEndOwnSession();
      return;
    }
    api
      .end(session.id)
      .then(() => {
        setNotice(t('profile.sessionEnded', { name: session.deviceName }));
      })
      .catch(setError)
      .finally(() => {
        load().catch(setError);
      });
  };

  const time = (iso: string): string => new Date(iso).toLocaleString(i18n.language);

  return (
    <section className="profile-section" aria-labelledby="profile-sessions">
      <h3 id="profile-sessions">{t('profile.sessions')}</h3>
      <p>{t('profile.sessionsIntro')}</p>
      {sessions === null ? (
        <p className="muted">{t('profile.sessionsLoading')}</p>
      ) : (
        <ul className="device-list">
          {sessions.map((session) => (
            <li key={session.id} className="device" data-testid="session">
              <span className="device-name">
                {t('profile.sessionDevice', {
                  name: session.deviceName,
                  platform: t(platformKey(session.platform)),
                })}
              </span>
              {session.isCurrent ? (
                <span className="profile-badge">{t('profile.thisSession')}</span>
              ) : null}
              <span className="muted">
                {t('profile.lastUsed', { time: time(session.lastUsedAt) })}
              </span>
              <span className="muted">
                {t('profile.signedInSince', { time: time(session.createdAt) })}
              </span>
              {confirming === session.id ? (
                <span className="confirm">
                  <span role="alert">
                    {session.isCurrent
                      ? t('profile.endOwnSessionConfirm')
                      : t('profile.endSessionConfirm', { name: session.deviceName })}
                  </span>
                  <Button className="primary-button danger" onPress={() => end(session)}>
                    {t('profile.endSession')}
                  </Button>
                  <Button className="secondary-button" onPress={() => setConfirming(null)}>
                    {t('profile.cancel')}
                  </Button>
                </span>
              ) : (
                <Button className="secondary-button" onPress={() => setConfirming(session.id)}>
                  {t('profile.endSession')}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <p role="status" className="profile-status">
        {notice}
      </p>
      <ProfileAlert error={error} />
      <Button className="link-button" onPress={onShowDevices}>
        {t('profile.manageDevices')}
      </Button>
    </section>
  );
}
