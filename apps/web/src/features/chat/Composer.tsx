import { useState, type KeyboardEvent, type ReactElement, type SyntheticEvent } from 'react';
import { Button, Form, Label, TextArea, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';

/** MAX_TEXT_CHARS of the message content schema. */
const MAX_TEXT_CHARS = 10_000;

export interface ComposerProps {
  /** Resolves once the text is handed to the client (stored in its outbox). */
  readonly onSend: (text: string) => void;
  readonly isDisabled?: boolean;
}

/** The message field: Enter sends, Shift+Enter starts a new line. */
export function Composer({ onSend, isDisabled = false }: ComposerProps): ReactElement {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');

  const send = (): void => {
    const text = draft.trim();
    if (text === '') return;
    onSend(text);
    setDraft('');
  };
  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <Form className="composer" onSubmit={submit}>
      <TextField
        className="composer-field"
        value={draft}
        onChange={setDraft}
        maxLength={MAX_TEXT_CHARS}
        isDisabled={isDisabled}
        aria-label={t('chat.composerLabel')}
      >
        <Label className="visually-hidden">{t('chat.composerLabel')}</Label>
        <TextArea rows={2} placeholder={t('chat.composerPlaceholder')} onKeyDown={onKeyDown} />
      </TextField>
      <Button
        type="submit"
        className="primary-button"
        isDisabled={isDisabled || draft.trim() === ''}
      >
        {t('chat.send')}
      </Button>
    </Form>
  );
}
