import type { HttpApi, LocalStore } from '@amtsbote/client';
import type { SessionGrant } from '@amtsbote/protocol';
import { Suspense, useCallback, useEffect, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { ChatScreen } from '../features/chat/ChatScreen.js';
import { UnlockScreen } from '../features/vault/UnlockScreen.js';
import {
  deviceSetupNeed,
  endSession,
  resumeSession,
  startFirstDevice,
  type AccountSession,
} from '../session/account-session.js';
import type { DeviceVault } from '../session/device-vault.js';
import { Page } from '../ui/Page.js';
import { isSessionGone, problemOf, type Problem } from './problems.js';
import {
  CreatePinScreen,
  DeviceLinkScreen,
  InviteScreen,
  LoginScreen,
  RecoveryKeyScreen,
  SetupScreen,
} from './lazy-screens.js';
import type { EntryRoute } from './route.js';

export interface AppProps {
  readonly origin: string;
  readonly route: EntryRoute;
  readonly vault: DeviceVault;
  /** Replaces the address bar's path (no reload), e.g. to drop a used setup link. */
  readonly replacePath: (path: string) => void;
}

type Phase =
  | { readonly kind: 'starting' }
  | { readonly kind: 'signed-out'; readonly notice: Problem | null }
  | { readonly kind: 'locked' }
  | { readonly kind: 'choose-pin'; readonly grant: SessionGrant; readonly http: HttpApi }
  | { readonly kind: 'preparing' }
  | {
      readonly kind: 'link-device';
      readonly grant: SessionGrant;
      readonly http: HttpApi;
      readonly store: LocalStore;
    }
  | {
      readonly kind: 'recovery-key';
      readonly recoveryKey: string;
      readonly session: AccountSession;
    }
  | { readonly kind: 'chat'; readonly session: AccountSession }
  | { readonly kind: 'failed'; readonly problem: Problem };

/** The app's screens in order: setup or sign-in, the vault's PIN, the device, then the messenger. */
export function App({ origin, route, vault, replacePath }: AppProps): ReactElement {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });

  useEffect(() => {
    void vault.exists().then((exists) => {
      setPhase(exists ? { kind: 'locked' } : { kind: 'signed-out', notice: null });
    });
  }, [vault]);

  const onAuthenticated = useCallback(
    (grant: SessionGrant, http: HttpApi) => {
      replacePath('/');
      setPhase({ kind: 'choose-pin', grant, http });
    },
    [replacePath],
  );

  const startDevice = useCallback(
    async (grant: SessionGrant, http: HttpApi, store: LocalStore) => {
      setPhase({ kind: 'preparing' });
      try {
        if ((await deviceSetupNeed(http, grant)) === 'approval') {
          setPhase({ kind: 'link-device', grant, http, store });
          return;
        }
        const { session, recoveryKey } = await startFirstDevice(origin, http, grant, store);
        setPhase(
          recoveryKey === null
            ? { kind: 'chat', session }
            : { kind: 'recovery-key', recoveryKey, session },
        );
      } catch (error) {
        await vault.wipe().catch(() => undefined);
        setPhase({ kind: 'failed', problem: problemOf(error) });
      }
    },
    [origin, vault],
  );

  const onDeviceReady = useCallback((session: AccountSession) => {
    setPhase({ kind: 'chat', session });
  }, []);

  const onUnlocked = useCallback(
    (store: LocalStore) => {
      setPhase({ kind: 'preparing' });
      resumeSession(origin, store)
        .then(async (session) => {
          if (session !== null) {
            setPhase({ kind: 'chat', session });
            return;
          }
          await vault.wipe();
          setPhase({ kind: 'signed-out', notice: null });
        })
        .catch(async (error: unknown) => {
          if (isSessionGone(error)) {
            await vault.wipe().catch(() => undefined);
            setPhase({ kind: 'signed-out', notice: 'wipedRemotely' });
            return;
          }
          setPhase({ kind: 'failed', problem: problemOf(error) });
        });
    },
    [origin, vault],
  );

  const lock = useCallback(
    (session: AccountSession) => {
      void (async () => {
        await session.client.close().catch(() => undefined);
        await vault.lock().catch(() => undefined);
        setPhase({ kind: 'locked' });
      })();
    },
    [vault],
  );

  /** Remote wipe: the device was signed out elsewhere (or its session ended for good). */
  const wipeAfterEnd = useCallback(
    (session: AccountSession) => {
      void (async () => {
        await session.client.close().catch(() => undefined);
        await vault.wipe().catch(() => undefined);
        setPhase({ kind: 'signed-out', notice: 'wipedRemotely' });
      })();
    },
    [vault],
  );

  const logout = useCallback(
    (session: AccountSession) => {
      void (async () => {
        await endSession(session);
        await vault.wipe();
        setPhase({ kind: 'signed-out', notice: null });
      })();
    },
    [vault],
  );

  // A screen loaded on first use shows the loading page meanwhile (lazy-screens.ts).
  const loading = (
    <Page title={t('app.name')}>
      <p role="status">{t('app.loading')}</p>
    </Page>
  );
  const screen = (): ReactElement => {
    switch (phase.kind) {
      case 'starting':
      case 'preparing':
        return (
          <Page title={t('app.name')}>
            <p role="status">
              {phase.kind === 'starting' ? t('app.loading') : t('device.preparing')}
            </p>
          </Page>
        );
      case 'signed-out':
        if (route.kind === 'setup') {
          return (
            <SetupScreen origin={origin} token={route.token} onAuthenticated={onAuthenticated} />
          );
        }
        if (route.kind === 'invite') {
          return (
            <InviteScreen origin={origin} token={route.token} onAuthenticated={onAuthenticated} />
          );
        }
        return (
          <LoginScreen origin={origin} notice={phase.notice} onAuthenticated={onAuthenticated} />
        );
      case 'locked':
        return (
          <UnlockScreen
            vault={vault}
            onUnlocked={onUnlocked}
            onWiped={(afterFailures) => {
              setPhase({
                kind: 'signed-out',
                notice: afterFailures ? 'wipedAfterFailures' : null,
              });
            }}
          />
        );
      case 'choose-pin':
        return (
          <CreatePinScreen
            onCreate={async (pin) => {
              const store = await vault.create(pin);
              await startDevice(phase.grant, phase.http, store);
            }}
          />
        );
      case 'link-device':
        return (
          <DeviceLinkScreen
            origin={origin}
            grant={phase.grant}
            http={phase.http}
            store={phase.store}
            onReady={onDeviceReady}
          />
        );
      case 'recovery-key':
        return (
          <RecoveryKeyScreen
            recoveryKey={phase.recoveryKey}
            onDone={() => {
              setPhase({ kind: 'chat', session: phase.session });
            }}
          />
        );
      case 'chat':
        return (
          <ChatScreen
            session={phase.session}
            vault={vault}
            onEnded={() => {
              wipeAfterEnd(phase.session);
            }}
            onLock={() => {
              lock(phase.session);
            }}
            onLogout={() => {
              logout(phase.session);
            }}
          />
        );
      case 'failed':
        return (
          <Page title={t('app.name')}>
            <p role="alert" className="problem">
              {t(`problems.${phase.problem}`)}
            </p>
          </Page>
        );
    }
  };
  return <Suspense fallback={loading}>{screen()}</Suspense>;
}
