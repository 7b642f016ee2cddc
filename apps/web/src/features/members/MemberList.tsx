import type { ConversationRole } from '@amtsbote/protocol';
import { useId, useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { PeopleCache } from '../chat/people.js';

export interface MemberListProps {
  readonly members: readonly { readonly userId: string; readonly role: ConversationRole }[];
  readonly ownUserId: string;
  readonly people: PeopleCache;
  /** Colleagues whose pinned key the user verified. */
  readonly verifiedUserIds: ReadonlySet<string>;
  readonly canRemove: boolean;
  readonly isBusy: boolean;
  readonly onCompare: (userId: string, name: string) => void;
  readonly onRemove: (userId: string, name: string) => void;
}

const ROLE_TEXT = {
  owner: 'members.roleOwner',
  poster: 'members.rolePoster',
  member: 'members.roleMember',
} as const;

/** The members with their role; per colleague the safety code and, for owners, removal. */
export function MemberList(props: MemberListProps): ReactElement {
  const [confirming, setConfirming] = useState<string | null>(null);
  // Focus goes back to the removal button whose confirmation was cancelled.
  const [cancelled, setCancelled] = useState<string | null>(null);
  // The user first, then the others by name.
  const sorted = [...props.members].sort((a, b) =>
    a.userId === props.ownUserId
      ? -1
      : b.userId === props.ownUserId
        ? 1
        : nameOf(a.userId, props.people).localeCompare(nameOf(b.userId, props.people)),
  );
  return (
    <ul className="member-list">
      {sorted.map((member) => (
        <MemberRow
          key={member.userId}
          {...props}
          userId={member.userId}
          role={member.role}
          isConfirming={confirming === member.userId}
          isCancelled={cancelled === member.userId}
          onConfirming={(isOn) => {
            setConfirming(isOn ? member.userId : null);
            setCancelled(isOn ? null : member.userId);
          }}
        />
      ))}
    </ul>
  );
}

function nameOf(userId: string, people: PeopleCache): string {
  return people.get(userId)?.displayName ?? '';
}

function MemberRow(
  props: MemberListProps & {
    readonly userId: string;
    readonly role: ConversationRole;
    readonly isConfirming: boolean;
    readonly isCancelled: boolean;
    readonly onConfirming: (isOn: boolean) => void;
  },
): ReactElement {
  const { t } = useTranslation();
  const id = useId();
  const isOwn = props.userId === props.ownUserId;
  const name = props.people.get(props.userId)?.displayName ?? t('chat.unknownUser');
  return (
    <li className="member">
      <span className="member-name" id={`${id}-name`}>
        {name}
        {isOwn ? <span className="muted">{` ${t('members.you')}`}</span> : null}
      </span>
      <span className="muted">{t(ROLE_TEXT[props.role])}</span>
      {props.verifiedUserIds.has(props.userId) ? (
        <span className="verified-badge">{t('members.verified')}</span>
      ) : null}
      {isOwn ? null : props.isConfirming ? (
        <span className="confirm">
          <span role="alert">{t('members.removeConfirm', { name })}</span>
          <span className="member-actions">
            <Button
              className="secondary-button"
              autoFocus
              onPress={() => {
                props.onConfirming(false);
              }}
            >
              {t('members.cancel')}
            </Button>
            <Button
              className="primary-button danger"
              isDisabled={props.isBusy}
              onPress={() => {
                props.onConfirming(false);
                props.onRemove(props.userId, name);
              }}
            >
              {t('members.removeConfirmButton')}
            </Button>
          </span>
        </span>
      ) : (
        <span className="member-actions">
          <Button
            id={`${id}-compare`}
            aria-labelledby={`${id}-compare ${id}-name`}
            className="secondary-button"
            onPress={() => {
              props.onCompare(props.userId, name);
            }}
          >
            {t('members.compare')}
          </Button>
          {props.canRemove ? (
            <Button
              id={`${id}-remove`}
              aria-labelledby={`${id}-remove ${id}-name`}
              className="secondary-button"
              isDisabled={props.isBusy}
              autoFocus={props.isCancelled}
              onPress={() => {
                props.onConfirming(true);
              }}
            >
              {t('members.remove')}
            </Button>
          ) : null}
        </span>
      )}
    </li>
  );
}
