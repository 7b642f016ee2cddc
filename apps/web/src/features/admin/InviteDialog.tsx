import type { HttpApi } from '@amtsbote/client';
import { createdInviteSchema } from '@amtsbote/protocol';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import {
  Button,
  Dialog,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  RadioGroup,
  Text,
  TextField,
} from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { RadioItem } from '../../ui/RadioItem.js';

const VALIDITY_HOURS = ['24', '72', '168'] as const;
type ValidityHours = (typeof VALIDITY_HOURS)[number];

export interface InviteDialogProps {
  readonly http: HttpApi;
  readonly isOpen: boolean;
  readonly onClose: () => void;
}

/** Administrators invite colleagues: a one-time link to hand over, shown once. */
export function InviteDialog({ http, isOpen, onClose }: InviteDialogProps): ReactElement {
  const { t } = useTranslation();
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [hours, setHours] = useState<ValidityHours>('72');
  const [link, setLink] = useState<string | null>(null);
  const [isCopied, setCopied] = useState(false);
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  const close = (): void => {
    setLink(null);
    setCopied(false);
    setProblem(null);
    onClose();
  };

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    http
      .request(
        'POST',
        '/api/admin/invites',
        { role, expiresInHours: Number(hours) },
        createdInviteSchema,
      )
      .then((invite) => {
        setLink(invite.url);
        setBusy(false);
      })
      .catch((error: unknown) => {
        setProblem(problemOf(error));
        setBusy(false);
      });
  };

  const copy = (): void => {
    if (link === null) return;
    void navigator.clipboard.writeText(link).then(() => {
      setCopied(true);
    });
  };

  return (
    <Modal
      isOpen={isOpen}
      onOpenChange={(open) => (open ? undefined : close())}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('admin.inviteTitle')}</Heading>
        {link === null ? (
          <Form className="form" onSubmit={submit}>
            <RadioGroup
              className="radio-group"
              value={role}
              onChange={(value) => setRole(value === 'admin' ? 'admin' : 'member')}
            >
              <Label>{t('admin.role')}</Label>
              <RadioItem value="member">{t('admin.roleMember')}</RadioItem>
              <RadioItem value="admin">{t('admin.roleAdmin')}</RadioItem>
            </RadioGroup>
            <RadioGroup
              className="radio-group"
              value={hours}
              onChange={(value) => setHours(VALIDITY_HOURS.find((h) => h === value) ?? '72')}
            >
              <Label>{t('admin.validity')}</Label>
              {VALIDITY_HOURS.map((h) => (
                <RadioItem key={h} value={h}>
                  {t(`admin.hours${h}`)}
                </RadioItem>
              ))}
            </RadioGroup>
            <ProblemAlert problem={problem} />
            <div className="dialog-actions">
              <Button className="secondary-button" onPress={close}>
                {t('create.cancel')}
              </Button>
              <Button type="submit" className="primary-button" isDisabled={isBusy}>
                {isBusy ? t('admin.creating') : t('admin.create')}
              </Button>
            </div>
          </Form>
        ) : (
          <div className="form">
            <TextField className="field" value={link} isReadOnly>
              <Label>{t('admin.link')}</Label>
              <Input data-testid="invite-link" />
              <Text slot="description">{t('admin.linkHint')}</Text>
            </TextField>
            <p role="status">{isCopied ? t('admin.copied') : ''}</p>
            <div className="dialog-actions">
              <Button className="secondary-button" onPress={copy}>
                {t('admin.copy')}
              </Button>
              <Button className="primary-button" onPress={close}>
                {t('admin.close')}
              </Button>
            </div>
          </div>
        )}
      </Dialog>
    </Modal>
  );
}
