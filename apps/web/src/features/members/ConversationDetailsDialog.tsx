import type { ConversationSummary, MessagingClient } from '@amtsbote/client';
import type { DirectoryEntry } from '@amtsbote/protocol';
import { useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { useNames, type PeopleCache } from '../chat/people.js';
import { AddMembers } from './AddMembers.js';
import { ConversationAbout } from './ConversationAbout.js';
import { LeaveConversation } from './LeaveConversation.js';
import { memberPermissions } from './member-permissions.js';
import { memberProblemOf, type MemberProblem } from './member-problems.js';
import { MemberList } from './MemberList.js';
import { MemberProblemAlert } from './MemberProblemAlert.js';
import { SafetyCodeDialog } from './SafetyCodeDialog.js';
import { useRoster } from './use-roster.js';
import { useVerified } from './use-verified.js';

export interface ConversationDetailsDialogProps {
  readonly client: MessagingClient;
  readonly conversation: ConversationSummary;
  readonly ownUserId: string;
  readonly people: PeopleCache;
  readonly isOpen: boolean;
  readonly onClose: () => void;
}

type Action = 'rename' | 'add' | 'remove' | 'leave';

/**
 * A conversation's name, topic and members, with what the user may change (the server's rules,
 * see memberPermissions) and the safety code with each colleague.
 */
export function ConversationDetailsDialog(props: ConversationDetailsDialogProps): ReactElement {
  const { client, conversation, ownUserId, people, isOpen } = props;
  const id = conversation.conversationId;
  const { t } = useTranslation();
  const { roster, isLoaded, problem: rosterProblem, reload } = useRoster(client, id, isOpen);
  const [busy, setBusy] = useState<Action | null>(null);
  const [problem, setProblem] = useState<MemberProblem | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [comparing, setComparing] = useState<{ userId: string; name: string } | null>(null);

  const members = roster?.members ?? [];
  const otherIds = members.map((m) => m.userId).filter((userId) => userId !== ownUserId);
  useNames(people, isOpen ? members.map((m) => m.userId) : []);
  const { verified, markVerified } = useVerified(client, otherIds, isOpen);
  const permissions = memberPermissions(roster, ownUserId, conversation.isRemoved);
  const nameOf = (userId: string): string =>
    people.get(userId)?.displayName ?? t('chat.unknownUser');

  /** Runs one action at a time; says what happened, or why it was refused. */
  const run = async (action: Action, task: () => Promise<string>): Promise<boolean> => {
    setBusy(action);
    setProblem(null);
    setAnnouncement('');
    try {
      setAnnouncement(await task());
      return true;
    } catch (error) {
      setProblem(memberProblemOf(error));
      return false;
    } finally {
      setBusy(null);
      await reload().catch(() => undefined);
    }
  };

  const close = (): void => {
    setProblem(null);
    setAnnouncement('');
    props.onClose();
  };

  const add = async (users: readonly DirectoryEntry[]): Promise<boolean> =>
    run('add', async () => {
      await client.addMembers(
        id,
        users.map((user) => user.id),
      );
      // New members read nothing sent before they joined: they learn name and topic again.
      const { name, topic } = conversation;
      if (name !== null || topic !== null) await client.rename(id, name, topic);
      return t('members.added', { count: users.length });
    });

  return (
    <>
      <Modal
        isOpen={isOpen}
        onOpenChange={(open) => (open ? undefined : close())}
        isDismissable
        className="modal"
      >
        <Dialog className="dialog members-dialog">
          <Heading slot="title">{t('members.title')}</Heading>
          {conversation.kind === 'direct' ? null : (
            <ConversationAbout
              key={`${conversation.name ?? ''}\n${conversation.topic ?? ''}`}
              name={conversation.name}
              topic={conversation.topic}
              canRename={permissions.canRename}
              isBusy={busy !== null}
              isSaving={busy === 'rename'}
              onSave={(name, topic) => {
                void run('rename', async () => {
                  await client.rename(id, name, topic);
                  return t('members.saved');
                });
              }}
            />
          )}
          <section className="members-section" aria-labelledby="members-list-heading">
            <h3 id="members-list-heading">
              {t('members.members')}
              {roster === null ? null : (
                <span className="muted">{` · ${t('members.memberCount', { count: members.length })}`}</span>
              )}
            </h3>
            {conversation.isRemoved ? (
              <p>{t('members.removedNote')}</p>
            ) : !isLoaded ? (
              <p className="muted">{t('members.loading')}</p>
            ) : (
              <MemberList
                members={members}
                ownUserId={ownUserId}
                people={people}
                verifiedUserIds={verified}
                canRemove={permissions.canChangeMembers}
                isBusy={busy !== null}
                onCompare={(userId, name) => {
                  setComparing({ userId, name });
                }}
                onRemove={(userId, name) => {
                  void run('remove', async () => {
                    await client.removeMembers(id, [userId]);
                    return t('members.removed', { name });
                  });
                }}
              />
            )}
          </section>
          <p role="status" className="members-status">
            {announcement}
          </p>
          <MemberProblemAlert problem={problem ?? rosterProblem} />
          {permissions.canChangeMembers ? (
            <AddMembers
              client={client}
              memberUserIds={new Set(members.map((m) => m.userId))}
              isBusy={busy !== null}
              isAdding={busy === 'add'}
              onAdd={add}
            />
          ) : null}
          {permissions.canLeave ? (
            <LeaveConversation
              successors={otherIds.map((userId) => ({ userId, name: nameOf(userId) }))}
              needsSuccessor={permissions.needsSuccessor}
              isBusy={busy !== null}
              isLeaving={busy === 'leave'}
              onLeave={(successorUserId) => {
                void run('leave', async () => {
                  await client.leaveConversation(
                    id,
                    successorUserId === null ? {} : { successorUserId },
                  );
                  return '';
                }).then((isLeft) => {
                  if (isLeft) close();
                });
              }}
            />
          ) : null}
          <div className="dialog-actions">
            <Button className="primary-button" onPress={close}>
              {t('members.close')}
            </Button>
          </div>
        </Dialog>
      </Modal>
      {/* Beside the details, not inside: a Modal within a Modal renders as its content. */}
      <SafetyCodeDialog
        client={client}
        colleague={comparing}
        onClose={() => {
          setComparing(null);
        }}
        onVerified={markVerified}
      />
    </>
  );
}
