import { useState, type ReactElement } from 'react';
import { Button, Label, RadioGroup } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { RadioItem } from '../../ui/RadioItem.js';

export interface LeaveConversationProps {
  /** The last owner names one of these as the next owner; empty when nobody is needed. */
  readonly successors: readonly { readonly userId: string; readonly name: string }[];
  readonly needsSuccessor: boolean;
  readonly isBusy: boolean;
  readonly isLeaving: boolean;
  readonly onLeave: (successorUserId: string | null) => void;
}

/** Leaving, after a confirmation; the last owner of a group or channel names the next owner. */
export function LeaveConversation(props: LeaveConversationProps): ReactElement {
  const { t } = useTranslation();
  const [isConfirming, setConfirming] = useState(false);
  // Focus goes back to the leave button when the confirmation is cancelled.
  const [isCancelled, setCancelled] = useState(false);
  const [successor, setSuccessor] = useState<string | null>(null);
  const [isHinting, setHinting] = useState(false);

  const leave = (): void => {
    if (props.needsSuccessor && successor === null) {
      setHinting(true);
      return;
    }
    props.onLeave(props.needsSuccessor ? successor : null);
  };

  if (!isConfirming) {
    return (
      <div className="dialog-actions members-leave">
        <Button
          className="secondary-button"
          isDisabled={props.isBusy}
          autoFocus={isCancelled}
          onPress={() => {
            setConfirming(true);
          }}
        >
          {t('members.leave')}
        </Button>
      </div>
    );
  }
  return (
    <div className="confirm members-leave">
      <p role="alert">{t('members.leaveConfirm')}</p>
      {props.needsSuccessor ? (
        <RadioGroup
          className="radio-group"
          value={successor}
          onChange={(value) => {
            setSuccessor(value);
            setHinting(false);
          }}
          aria-describedby="members-successor-hint"
        >
          <Label>{t('members.successor')}</Label>
          <p id="members-successor-hint" className="muted">
            {t('members.successorHint')}
          </p>
          {props.successors.map((person) => (
            <RadioItem key={person.userId} value={person.userId}>
              {person.name}
            </RadioItem>
          ))}
        </RadioGroup>
      ) : null}
      <div role="alert" className="problem-region">
        {isHinting ? <p className="problem">{t('members.pickSuccessor')}</p> : null}
      </div>
      <div className="dialog-actions">
        <Button
          className="secondary-button"
          autoFocus
          onPress={() => {
            setConfirming(false);
            setCancelled(true);
            setHinting(false);
          }}
        >
          {t('members.cancel')}
        </Button>
        <Button className="primary-button danger" isDisabled={props.isBusy} onPress={leave}>
          {props.isLeaving ? t('members.leaving') : t('members.leaveConfirmButton')}
        </Button>
      </div>
    </div>
  );
}
