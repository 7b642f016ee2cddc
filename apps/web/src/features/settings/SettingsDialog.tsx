import type { HttpApi } from '@amtsbote/client';
import { MAX_LOCK_AFTER_MINUTES } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement } from 'react';
import { Button, Dialog, Heading, Label, Modal, RadioGroup, Text } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { useLanguage } from '../../app/language-context.js';
import { RadioItem } from '../../ui/RadioItem.js';
import { lockAfterChoices } from './lock-timeout.js';
import {
  disableNotifications,
  enableNotifications,
  notificationState,
  type NotificationState,
} from './push-subscription.js';

export interface SettingsDialogProps {
  readonly http: HttpApi;
  readonly isOpen: boolean;
  /** The idle time in force (the member's choice within the organization's limit). */
  readonly lockAfterMinutes: number;
  /** The organization's longest idle time: no longer choice is offered. */
  readonly maxLockAfterMinutes: number;
  readonly onLockAfterChange: (minutes: number) => void;
  readonly onClose: () => void;
}

const STATE_TEXT = {
  unsupported: 'settings.notificationsUnsupported',
  blocked: 'settings.notificationsBlocked',
  off: 'settings.notificationsOff',
  on: 'settings.notificationsOn',
} as const;

/** Language, automatic lock and notifications of this device. */
export function SettingsDialog(props: SettingsDialogProps): ReactElement {
  const { t } = useTranslation();
  const { language, switchLanguage } = useLanguage();
  const [state, setState] = useState<NotificationState | null>(null);
  const [isFailed, setFailed] = useState(false);

  useEffect(() => {
    if (props.isOpen) void notificationState().then(setState, () => setState('unsupported'));
  }, [props.isOpen]);

  const toggleNotifications = (): void => {
    setFailed(false);
    const change =
      state === 'on' ? disableNotifications(props.http) : enableNotifications(props.http);
    change.then(setState).catch(() => {
      setFailed(true);
    });
  };

  const lockChoices = lockAfterChoices(props.maxLockAfterMinutes, props.lockAfterMinutes);
  const minutesLabel = (minutes: number): string =>
    minutes === 1
      ? t('settings.minute')
      : minutes === 60
        ? t('settings.hour')
        : t('settings.minutes', { count: minutes });

  return (
    <Modal
      isOpen={props.isOpen}
      onOpenChange={(open) => (open ? undefined : props.onClose())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('settings.title')}</Heading>
        <div className="form">
          <RadioGroup
            className="radio-group"
            value={language}
            onChange={(value) => {
              if (value !== language) switchLanguage();
            }}
          >
            <Label>{t('settings.language')}</Label>
            <RadioItem value="de">
              <span lang="de">{t('settings.german')}</span>
            </RadioItem>
            <RadioItem value="en">
              <span lang="en">{t('settings.english')}</span>
            </RadioItem>
          </RadioGroup>
          <RadioGroup
            className="radio-group"
            value={String(props.lockAfterMinutes)}
            onChange={(value) => {
              const minutes = lockChoices.find((m) => String(m) === value);
              if (minutes !== undefined) props.onLockAfterChange(minutes);
            }}
          >
            <Label>{t('settings.lockAfter')}</Label>
            {lockChoices.map((minutes) => (
              <RadioItem key={minutes} value={String(minutes)}>
                {minutesLabel(minutes)}
              </RadioItem>
            ))}
            {props.maxLockAfterMinutes < MAX_LOCK_AFTER_MINUTES ? (
              <Text slot="description">
                {t('devicePolicy.lockLimited', { limit: minutesLabel(props.maxLockAfterMinutes) })}
              </Text>
            ) : null}
          </RadioGroup>
          <section aria-labelledby="settings-notifications">
            <h3 id="settings-notifications">{t('settings.notifications')}</h3>
            <p>{t('settings.notificationsIntro')}</p>
            <p role="status">{state === null ? null : t(STATE_TEXT[state])}</p>
            {state === 'on' || state === 'off' ? (
              <Button className="secondary-button" onPress={toggleNotifications}>
                {state === 'on'
                  ? t('settings.disableNotifications')
                  : t('settings.enableNotifications')}
              </Button>
            ) : null}
            <div role="alert" className="problem-region">
              {isFailed ? <p className="problem">{t('settings.notificationsFailed')}</p> : null}
            </div>
          </section>
        </div>
        <div className="dialog-actions">
          <Button className="primary-button" onPress={props.onClose}>
            {t('settings.close')}
          </Button>
        </div>
      </Dialog>
    </Modal>
  );
}
