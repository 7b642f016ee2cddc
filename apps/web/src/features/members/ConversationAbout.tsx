import { MAX_CONVERSATION_NAME_CHARS, MAX_TOPIC_CHARS } from '@amtsbote/protocol';
import { useState, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { TextInput } from '../../ui/TextInput.js';

export interface ConversationAboutProps {
  readonly name: string | null;
  readonly topic: string | null;
  readonly canRename: boolean;
  readonly isBusy: boolean;
  readonly isSaving: boolean;
  /** Empty fields clear the name or topic. */
  readonly onSave: (name: string | null, topic: string | null) => void;
}

const orNull = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** Name and topic: a form for those who may rename, plain text for everyone else. */
export function ConversationAbout(props: ConversationAboutProps): ReactElement {
  const { t } = useTranslation();
  const [name, setName] = useState(props.name ?? '');
  const [topic, setTopic] = useState(props.topic ?? '');

  if (!props.canRename) {
    return (
      <section className="members-section" aria-labelledby="members-about-heading">
        <h3 id="members-about-heading">{t('members.about')}</h3>
        <dl className="members-about">
          <dt>{t('members.name')}</dt>
          <dd>{props.name ?? t('members.noName')}</dd>
          <dt>{t('members.topic')}</dt>
          <dd>{props.topic ?? t('members.noTopic')}</dd>
        </dl>
      </section>
    );
  }

  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    props.onSave(orNull(name), orNull(topic));
  };
  return (
    <section className="members-section" aria-labelledby="members-about-heading">
      <h3 id="members-about-heading">{t('members.about')}</h3>
      <Form className="form" onSubmit={submit}>
        <TextInput
          name="name"
          label={t('members.name')}
          value={name}
          onChange={setName}
          isRequired={false}
          maxLength={MAX_CONVERSATION_NAME_CHARS}
        />
        <TextInput
          name="topic"
          label={t('members.topic')}
          value={topic}
          onChange={setTopic}
          isRequired={false}
          maxLength={MAX_TOPIC_CHARS}
        />
        <div className="dialog-actions">
          <Button type="submit" className="primary-button" isDisabled={props.isBusy}>
            {props.isSaving ? t('members.saving') : t('members.save')}
          </Button>
        </div>
      </Form>
    </section>
  );
}
