import type { MessagingClient } from '@amtsbote/client';
import type { DirectoryEntry } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement, type SyntheticEvent } from 'react';
import {
  Button,
  Dialog,
  Form,
  Heading,
  Input,
  Label,
  Modal,
  RadioGroup,
  SearchField,
  Text,
} from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { problemOf, type Problem } from '../../app/problems.js';
import { CheckboxItem } from '../../ui/CheckboxItem.js';
import { ProblemAlert } from '../../ui/ProblemAlert.js';
import { RadioItem } from '../../ui/RadioItem.js';
import { TextInput } from '../../ui/TextInput.js';

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
  const [results, setResults] = useState<readonly DirectoryEntry[]>([]);
  const [selected, setSelected] = useState<ReadonlyMap<string, DirectoryEntry>>(new Map());
  const [isBusy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [hint, setHint] = useState<'pickOne' | 'pickSome' | null>(null);

  useEffect(() => {
    if (!props.isOpen) return;
    let isCurrent = true;
    const timer = setTimeout(() => {
      props.client
        .searchDirectory(query, { limit: 20 })
        .then((page) => {
          if (isCurrent) setResults(page.users.filter((u) => u.id !== props.ownUserId));
        })
        .catch((error: unknown) => {
          if (isCurrent) setProblem(problemOf(error));
        });
    }, 200);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [props.client, props.isOpen, props.ownUserId, query]);

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
          <SearchField className="field" value={query} onChange={setQuery}>
            <Label>{t('create.search')}</Label>
            <Input />
            <Text slot="description">{t('create.searchHint')}</Text>
          </SearchField>
          <fieldset className="people-results">
            <legend className="visually-hidden">{t('create.search')}</legend>
            {results.length === 0 ? <p className="empty">{t('create.noResults')}</p> : null}
            {results.map((user) => (
              <CheckboxItem
                key={user.id}
                isSelected={selected.has(user.id)}
                onChange={(isOn) => {
                  toggle(user, isOn);
                }}
              >
                <span className="person">
                  <span>{user.displayName}</span>
                  <span className="muted">{user.username}</span>
                </span>
              </CheckboxItem>
            ))}
          </fieldset>
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
