import type { MessagingClient } from '@amtsbote/client';
import type { DirectoryEntry } from '@amtsbote/protocol';
import { useCallback, useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Dialog, Form, Heading, Label, Modal, RadioGroup } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { RadioItem } from '../../ui/RadioItem.js';
import { TextInput } from '../../ui/TextInput.js';
import { ColleaguePicker, useDirectorySearch } from './ColleaguePicker.js';

type Kind = 'direct' | 'group' | 'channel';

export interface NewConversationDialogProps {
  readonly client: MessagingClient;
  readonly ownUserId: string;
  readonly isOpen: boolean;
  readonly onClose: () => void;
  readonly onCreated: (conversationId: string) => void;
}

/** Starts a direct message, a group or an announcement channel with colleagues from the directory. */
export function NewConversationDialog(props: NewConversationDialogProps): ReactElement {
  const { t } = useTranslation();
  const [kind, setKind] = useState<Kind>('direct');
  const [name, setName] = useState('');
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<ReadonlyMap<string, DirectoryEntry>>(new Map());
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [hint, setHint] = useState<'pickOne' | 'pickSome' | null>(null);

  const onSearchError = useCallback((error: unknown) => {
    setProblem(problemOf(error));
  }, []);
  const found = useDirectorySearch(props.client, query, {
    isEnabled: props.isOpen,
    onError: onSearchError,
  });
  const results = found.filter((user) => user.id !== props.ownUserId);

  const toggle = (user: DirectoryEntry, isOn: boolean): void => {
    setSelected((current) => {
      const next = new Map(kind === 'direct' && isOn ? [] : current);
      if (isOn) next.set(user.id, user);
      else next.delete(user.id);
      return next;
    });
  };

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const missing =
      kind === 'direct' && selected.size !== 1
        ? 'pickOne'
        : selected.size === 0
          ? 'pickSome'
          : null;
    if (missing !== null) {
      setHint(missing);
      return;
    }
    setHint(null);
    setBusy(true);
    setProblem(null);
    props.client
      .createConversation({
        kind,
        memberUserIds: [...selected.keys()],
        ...(kind === 'direct' || name.trim() === '' ? {} : { name: name.trim() }),
      })
      .then((summary) => {
        setBusy(false);
        setSelected(new Map());
        setName('');
        props.onCreated(summary.conversationId);
      })
      .catch((error: unknown) => {
        setBusy(false);
        setProblem(problemOf(error));
      });
  };

  return (
    <Modal
      isOpen={props.isOpen}
      onOpenChange={(isOpen) => {
        if (!isOpen) props.onClose();
      }}
      isDismissable
      className="modal"
    >
      <Dialog className="dialog">
        <Heading slot="title">{t('create.title')}</Heading>
        <Form onSubmit={submit} className="form">
          <RadioGroup
            value={kind}
            onChange={(value) => {
              setKind(value as Kind);
              setSelected(new Map());
            }}
            className="radio-group"
          >
            <Label>{t('create.kind')}</Label>
            <RadioItem value="direct">{t('create.direct')}</RadioItem>
            <RadioItem value="group">{t('create.group')}</RadioItem>
            <RadioItem value="channel">{t('create.channel')}</RadioItem>
          </RadioGroup>
          {kind === 'direct' ? null : (
            <TextInput
              name="name"
              label={t('create.name')}
              value={name}
              onChange={setName}
              isRequired={false}
              maxLength={100}
            />
          )}
          <ColleaguePicker
            query={query}
            onQueryChange={setQuery}
            results={results}
            isSelected={(userId) => selected.has(userId)}
            onToggle={toggle}
            labels={{
              search: t('create.search'),
              hint: t('create.searchHint'),
              noResults: t('create.noResults'),
            }}
          />
          <div role="alert" className="problem-region">
            {hint === null ? null : <p className="problem">{t(`create.${hint}`)}</p>}
          </div>
          <ProblemAlert problem={problem} />
          <div className="dialog-actions">
            <Button className="secondary-button" onPress={props.onClose}>
              {t('create.cancel')}
            </Button>
            <Button type="submit" className="primary-button" isDisabled={isBusy}>
              {isBusy ? t('create.creating') : t('create.create')}
            </Button>
          </div>
        </Form>
      </Dialog>
    </Modal>
  );
}
