import type { ConversationSummary } from '@amtsbote/client';
import { WS_CLOSE } from '@amtsbote/protocol';
import { Suspense, useEffect, useMemo, useState, type ReactElement } from 'react';
import { Button, Input, Label, SearchField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { AccountSession } from '../../session/account-session.js';
import type { DeviceVault } from '../../session/device-vault.js';
import { LanguageSwitch } from '../../ui/LanguageSwitch.js';
import { AttachmentsProvider } from '../attachments/AttachmentsProvider.js';
import { useDevicePolicy } from '../settings/device-policy.js';
import {
  lockAfterMinutesInForce,
  readLockAfterMinutes,
  saveLockAfterMinutes,
  useIdleLock,
} from '../settings/lock-timeout.js';
import { useConversationPreviews } from './conversation-previews.js';
import { conversationTitle } from './conversation-title.js';
import { ConversationList } from './ConversationList.js';
import { ConversationView } from './ConversationView.js';
import {
  ApproveDeviceDialog,
  DevicesDialog,
  InviteDialog,
  NewConversationDialog,
  ProfileDialog,
  SettingsDialog,
} from './lazy-dialogs.js';
import { PeopleCache } from './people.js';
import { useClientVersion, useConnected, useIncompatibility } from './use-client-events.js';

export interface ChatScreenProps {
  readonly session: AccountSession;
  readonly onLock: () => void;
  readonly onLogout: () => void;
  /** The server ended this device or its session for good: the app erases the vault. */
  readonly onEnded: () => void;
  /** The device's vault, for the passkey unlock in "Profile and security". */
  readonly vault: DeviceVault;
}

/** Close codes after which this device never connects again with its session. */
const ENDING_CLOSE_CODES: ReadonlySet<number> = new Set([
  WS_CLOSE.unauthenticated,
  WS_CLOSE.sessionEnded,
  WS_CLOSE.deviceRevoked,
  WS_CLOSE.userDisabled,
]);

const LIST_EVENTS = new Set([
  'conversation_joined',
  'conversation_left',
  'membership_changed',
  'message',
]);

/** The messenger: conversations beside the open one (one pane at a time on phones). */
export function ChatScreen({
  session,
  onLock,
  onLogout,
  onEnded,
  vault,
}: ChatScreenProps): ReactElement {
  const { t } = useTranslation();
  const { client, profile } = session;
  const people = useMemo(() => new PeopleCache(client), [client]);
  const [conversations, setConversations] = useState<readonly ConversationSummary[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [isCreating, setCreating] = useState(false);
  const [isInviting, setInviting] = useState(false);
  const [isApproving, setApproving] = useState(false);
  const [isShowingDevices, setShowingDevices] = useState(false);
  const [isShowingSettings, setShowingSettings] = useState(false);
  const [isShowingProfile, setShowingProfile] = useState(false);
  const [lockAfterMinutes, setLockAfterMinutes] = useState(() =>
    readLockAfterMinutes(localStorage),
  );
  const maxLockAfterMinutes = useDevicePolicy(client, localStorage);
  const lockInForce = lockAfterMinutesInForce(lockAfterMinutes, maxLockAfterMinutes);
  useIdleLock(lockInForce * 60_000, onLock);
  const isConnected = useConnected(client);
  const incompatibility = useIncompatibility(client);
  const version = useClientVersion(client, (event) => LIST_EVENTS.has(event.type));

  // Names that could not be looked up offline are asked for once the connection is back.
  useEffect(() => {
    if (isConnected) void people.retryFailed();
  }, [people, isConnected]);

  // A push reached the service worker while the app is open: catch up now.
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    const onMessage = (event: MessageEvent<unknown>): void => {
      if ((event.data as { type?: unknown } | null)?.type === 'activity') {
        void client.sync().catch(() => undefined);
      }
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => {
      navigator.serviceWorker.removeEventListener('message', onMessage);
    };
  }, [client]);

  useEffect(
    () =>
      client.subscribe((event) => {
        if (
          event.type === 'connection_changed' &&
          event.state === 'stopped' &&
          event.closeCode !== null &&
          ENDING_CLOSE_CODES.has(event.closeCode)
        ) {
          onEnded();
        }
      }),
    [client, onEnded],
  );

  useEffect(() => {
    let isCurrent = true;
    void client.listConversations().then((list) => {
      if (isCurrent) setConversations(list);
    });
    return () => {
      isCurrent = false;
    };
  }, [client, version]);

  const previews = useConversationPreviews(client, conversations, profile.userId, selectedId);
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const needle = filter.trim().toLocaleLowerCase();
    if (needle === '') return conversations;
    return conversations.filter((c) =>
      conversationTitle(c, profile.userId, people, t).toLocaleLowerCase().includes(needle),
    );
  }, [conversations, filter, people, profile.userId, t]);
  const selected = conversations.find((c) => c.conversationId === selectedId) ?? null;
  return (
    <div className={selected === null ? 'chat' : 'chat has-selection'}>
      <a className="skip-link" href="#conversation">
        {t('app.skipToContent')}
      </a>
      <nav className="sidebar" aria-label={t('chat.conversations')}>
        <header className="sidebar-header">
          <h1 className="brand">{t('app.name')}</h1>
          <p className="account-name">{profile.displayName}</p>
          {incompatibility === null ? (
            <p className={isConnected ? 'connection connected' : 'connection'} role="status">
              {isConnected ? t('chat.connected') : t('chat.disconnected')}
            </p>
          ) : (
            <p className="connection problem" role="alert">
              {t(`problems.${incompatibility}`)}
            </p>
          )}
          <div className="sidebar-actions">
            <LanguageSwitch />
            <Button
              className="link-button"
              onPress={() => {
                setApproving(true);
              }}
            >
              {t('device.addDevice')}
            </Button>
            <Button
              className="link-button"
              onPress={() => {
                setShowingDevices(true);
              }}
            >
              {t('device.devices')}
            </Button>
            <Button
              className="link-button"
              onPress={() => {
                setShowingSettings(true);
              }}
            >
              {t('settings.open')}
            </Button>
            <Button
              className="link-button"
              onPress={() => {
                setShowingProfile(true);
              }}
            >
              {t('profile.open')}
            </Button>
            <Button className="link-button" onPress={onLock}>
              {t('vault.lock')}
            </Button>
            <Button className="link-button" onPress={onLogout}>
              {t('chat.logout')}
            </Button>
          </div>
        </header>
        <Button
          className="primary-button"
          onPress={() => {
            setCreating(true);
          }}
        >
          {t('chat.newConversation')}
        </Button>
        {profile.isAdmin ? (
          <Button
            className="secondary-button"
            onPress={() => {
              setInviting(true);
            }}
          >
            {t('admin.inviteColleague')}
          </Button>
        ) : null}
        <SearchField className="field" value={filter} onChange={setFilter}>
          <Label>{t('chat.filter')}</Label>
          <Input />
        </SearchField>
        <ConversationList
          conversations={shown}
          previews={previews}
          selectedId={selectedId}
          ownUserId={profile.userId}
          people={people}
          onSelect={setSelectedId}
        />
      </nav>
      <AttachmentsProvider client={client} conversationId={selected?.conversationId ?? null}>
        <main id="conversation" className="conversation-pane" tabIndex={-1}>
          {selected === null ? (
            <p className="empty">{t('chat.selectConversation')}</p>
          ) : (
            <ConversationView
              key={selected.conversationId}
              client={client}
              conversation={selected}
              ownUserId={profile.userId}
              people={people}
              onBack={() => {
                setSelectedId(null);
              }}
            />
          )}
        </main>
      </AttachmentsProvider>
      {/* Each dialog is mounted while open and loaded on first use (lazy-dialogs.ts). */}
      <Suspense fallback={null}>
        {profile.isAdmin && isInviting ? (
          <InviteDialog
            http={session.http}
            isOpen={isInviting}
            onClose={() => {
              setInviting(false);
            }}
          />
        ) : null}
        {isShowingSettings ? (
          <SettingsDialog
            http={session.http}
            isOpen={isShowingSettings}
            lockAfterMinutes={lockInForce}
            maxLockAfterMinutes={maxLockAfterMinutes}
            onLockAfterChange={(minutes) => {
              saveLockAfterMinutes(localStorage, minutes);
              setLockAfterMinutes(minutes);
            }}
            onClose={() => {
              setShowingSettings(false);
            }}
          />
        ) : null}
        {isShowingProfile ? (
          <ProfileDialog
            session={session}
            vault={vault}
            isOpen={isShowingProfile}
            onClose={() => {
              setShowingProfile(false);
            }}
            onShowDevices={() => {
              setShowingProfile(false);
              setShowingDevices(true);
            }}
            onEndOwnSession={onLogout}
          />
        ) : null}
        {isShowingDevices ? (
          <DevicesDialog
            http={session.http}
            isOpen={isShowingDevices}
            onClose={() => {
              setShowingDevices(false);
            }}
          />
        ) : null}
        {isApproving ? (
          <ApproveDeviceDialog
            client={client}
            isOpen={isApproving}
            onClose={() => {
              setApproving(false);
            }}
          />
        ) : null}
        {isCreating ? (
          <NewConversationDialog
            client={client}
            ownUserId={profile.userId}
            isOpen={isCreating}
            onClose={() => {
              setCreating(false);
            }}
            onCreated={(conversationId) => {
              setCreating(false);
              void client.listConversations().then((list) => {
                setConversations(list);
                setSelectedId(conversationId);
              });
            }}
          />
        ) : null}
      </Suspense>
    </div>
  );
}
