import {
  useEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactElement,
  type SyntheticEvent,
} from 'react';
import { Button, Form, Label, TextArea, TextField } from 'react-aria-components';
import { useTranslation } from 'react-i18next';

/** MAX_TEXT_CHARS of the message content schema. */
const MAX_TEXT_CHARS = 10_000;

/** A reply names the message answered; an edit starts from the message's text. */
export type ComposerMode =
  | { readonly kind: 'reply'; readonly messageId: string; readonly name: string }
  | { readonly kind: 'edit'; readonly messageId: string; readonly text: string };

export interface ComposerProps {
  readonly mode: ComposerMode | null;
  readonly onSend: (text: string, mode: ComposerMode | null) => void;
  readonly onCancelMode: () => void;
  readonly onTyping: (isTyping: boolean) => void;
  readonly isDisabled?: boolean;
}

/** The message field: Enter sends, Shift+Enter starts a new line, Escape leaves reply or edit. */
export function Composer({
  mode,
  onSend,
  onCancelMode,
  onTyping,
  isDisabled = false,
}: ComposerProps): ReactElement {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const savedDraft = useRef('');
  const field = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (mode?.kind === 'edit') {
      savedDraft.current = draft;
      setDraft(mode.text);
    }
    if (mode !== null) field.current?.focus();
    // Only a new mode starts an edit; typing must not reset it.
  }, [mode]);

  const send = (): void => {
    const text = draft.trim();
    if (text === '') return;
    onSend(text, mode);
    setDraft(mode?.kind === 'edit' ? savedDraft.current : '');
    onTyping(false);
  };
  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'Escape' && mode !== null) {
      event.preventDefault();
      if (mode.kind === 'edit') setDraft(savedDraft.current);
      onCancelMode();
    }
  };

  return (
    <Form className="composer" onSubmit={submit}>
      {mode === null ? null : (
        <div className="composer-mode">
          <span>
            {mode.kind === 'reply'
              ? t('message.replyingTo', { name: mode.name })
              : t('message.editing')}
          </span>
          <Button
            className="link-button"
            onPress={() => {
              if (mode.kind === 'edit') setDraft(savedDraft.current);
              onCancelMode();
            }}
          >
            {mode.kind === 'reply' ? t('message.cancelReply') : t('message.cancelEdit')}
          </Button>
        </div>
      )}
      <div className="composer-row">
        <TextField
          className="composer-field"
          value={draft}
          onChange={(value) => {
            setDraft(value);
            onTyping(value !== '');
          }}
          maxLength={MAX_TEXT_CHARS}
          isDisabled={isDisabled}
        >
          <Label className="visually-hidden">{t('chat.composerLabel')}</Label>
          <TextArea
            ref={field}
            rows={2}
            placeholder={t('chat.composerPlaceholder')}
            onKeyDown={onKeyDown}
          />
        </TextField>
        <Button
          type="submit"
          className="primary-button"
          isDisabled={isDisabled || draft.trim() === ''}
        >
          {mode?.kind === 'edit' ? t('message.save') : t('chat.send')}
        </Button>
      </div>
    </Form>
  );
}
