import type { MessagingClient, SafetyCode } from '@amtsbote/client';
import { useEffect, useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Modal } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { memberProblemOf, type MemberProblem } from './member-problems.js';
import { MemberProblemAlert } from './MemberProblemAlert.js';

export interface SafetyCodeDialogProps {
  readonly client: MessagingClient;
  /** The colleague to compare with; null: closed. */
  readonly colleague: { readonly userId: string; readonly name: string } | null;
  readonly onClose: () => void;
  /** The colleague was marked verified. */
  readonly onVerified: (userId: string) => void;
}

/** The digits read out one by one, so that screen readers do not say "twelve thousand …". */
const spoken = (group: string): string => group.replace(/\d(?=\d)/g, '$& ');

/**
 * The safety code of the user and a colleague, both of whom see the same digits: when they
 * match, the user marks the colleague verified.
 */
export function SafetyCodeDialog(props: SafetyCodeDialogProps): ReactElement {
  const { client, colleague } = props;
  const userId = colleague?.userId ?? null;
  const { t } = useTranslation();
  const [code, setCode] = useState<SafetyCode | null>(null);
  const [problem, setProblem] = useState<MemberProblem | null>(null);
  const [isMarking, setMarking] = useState(false);
  const [isJustVerified, setJustVerified] = useState(false);

  useEffect(() => {
    setCode(null);
    setProblem(null);
    setJustVerified(false);
    if (userId === null) return;
    let isCurrent = true;
    client.safetyCode(userId).then(
      (result) => {
        if (isCurrent) setCode(result);
      },
      (error: unknown) => {
        if (isCurrent) setProblem(memberProblemOf(error));
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [client, userId]);

  const markVerified = (): void => {
    if (userId === null) return;
    setMarking(true);
    setProblem(null);
    client
      .markVerified(userId)
      .then(() => {
        setMarking(false);
        setJustVerified(true);
        setCode((current) => (current === null ? null : { ...current, isVerified: true }));
        props.onVerified(userId);
      })
      .catch((error: unknown) => {
        setMarking(false);
        setProblem(memberProblemOf(error));
      });
  };

  const name = colleague?.name ?? '';
  return (
    <Modal
      isOpen={colleague !== null}
      onOpenChange={(open) => (open ? undefined : props.onClose())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog safety-dialog">
        <Heading slot="title">{t('members.safetyTitle', { name })}</Heading>
        <p>{t('members.safetyIntro', { name })}</p>
        {code === null ? (
          problem === null ? (
            <p className="muted" role="status">
              {t('members.safetyComputing')}
            </p>
          ) : null
        ) : (
          <>
            <ol className="safety-code" aria-label={t('members.safetyCode')}>
              {code.digits.split(' ').map((group, index) => (
                // The same group can occur twice; its place tells them apart.
                <li key={index} className="safety-code-group">
                  <span aria-hidden="true" className="safety-code-digits">
                    {group}
                  </span>
                  <span className="visually-hidden">{spoken(group)}</span>
                </li>
              ))}
            </ol>
            <p>{t('members.safetyHint', { name })}</p>
          </>
        )}
        <p role="status" className="verified-note">
          {code?.isVerified === true
            ? t(isJustVerified ? 'members.markedVerified' : 'members.alreadyVerified', { name })
            : null}
        </p>
        <MemberProblemAlert problem={problem} />
        <div className="dialog-actions">
          <Button className="secondary-button" onPress={props.onClose}>
            {t('members.close')}
          </Button>
          {code !== null && !code.isVerified ? (
            <Button className="primary-button" onPress={markVerified} isDisabled={isMarking}>
              {t('members.markVerified')}
            </Button>
          ) : null}
        </div>
      </Dialog>
    </Modal>
  );
}
