import { HttpApi, answerPasskeyChallenge, signInWithPasskey } from '@amtsbote/client';
import type { PasskeyChallenge, SessionGrant } from '@amtsbote/protocol';
import { useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { webDeviceInfo } from '../../session/device-info.js';
import { ProfileAlert } from './ProfileAlert.js';
import { usePasskeyAuthenticator } from './use-passkey-authenticator.js';

export interface PasskeySignInProps {
  readonly origin: string;
  /** The organization's short name as typed in the sign-in form. */
  readonly organization: string;
  /** The second step of a password login that the account's passkey must confirm; or null. */
  readonly challenge: PasskeyChallenge | null;
  readonly onAuthenticated: (grant: SessionGrant, http: HttpApi) => void;
}

/** "Sign in with passkey" on the sign-in screen, or the passkey step after the password. */
export function PasskeySignIn(props: PasskeySignInProps): ReactElement | null {
  const { t } = useTranslation();
  const authenticator = usePasskeyAuthenticator();
  const [isBusy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [isOrganizationMissing, setOrganizationMissing] = useState(false);
  const { challenge, origin } = props;
  if (!authenticator.isSupported && challenge === null) return null;

  const start = (): void => {
    const organization = props.organization.trim();
    setOrganizationMissing(challenge === null && organization === '');
    setError(null);
    if (challenge === null && organization === '') return;
    setBusy(true);
    const http = new HttpApi({ baseUrl: origin });
    const device = webDeviceInfo(navigator.userAgent);
    const signIn =
      challenge === null
        ? signInWithPasskey(http, authenticator, organization, device)
        : answerPasskeyChallenge(http, authenticator, challenge, device);
    signIn
      .then((grant) => {
        props.onAuthenticated(grant, new HttpApi({ baseUrl: origin, token: grant.token }));
      })
      .catch((caught: unknown) => {
        setError(caught);
        setBusy(false);
      });
  };

  return (
    <div className="passkey-sign-in">
      <p role="status">{challenge === null ? null : t('profile.secondFactor')}</p>
      <Button
        className={challenge === null ? 'secondary-button' : 'primary-button'}
        onPress={start}
        isDisabled={isBusy}
      >
        {isBusy
          ? t('profile.signingIn')
          : challenge === null
            ? t('profile.signInWithPasskey')
            : t('profile.confirmWithPasskey')}
      </Button>
      <ProfileAlert
        error={error}
        message={isOrganizationMissing ? t('profile.organizationFirst') : null}
      />
    </div>
  );
}
