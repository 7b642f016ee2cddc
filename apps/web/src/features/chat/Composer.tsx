import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactElement,
  type SyntheticEvent,
} from 'react';
import {
  Autocomplete,
  Button,
  Form,
  Label,
  TextArea,
  TextField,
  ToggleButton,
} from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { AttachButton } from '../attachments/AttachButton.js';
import { focusedCandidateId, MentionSuggestions } from './MentionSuggestions.js';
import {
  insertMention,
  matchingCandidates,
  mentionQueryAt,
  mentionsForSending,
  updateMentions,
  type Mention,
  type MentionCandidate,
} from './mentions.js';

/** MAX_TEXT_CHARS of the message content schema. */
const MAX_TEXT_CHARS = 10_000;

/** A reply names the message answered; an edit starts from the message's text. */
export type ComposerMode =
  | { readonly kind: 'reply'; readonly messageId: string; readonly name: string }
  | { readonly kind: 'edit'; readonly messageId: string; readonly text: string };

/** What a new text carries besides its text (an edit carries neither). */
export interface SendOptions {
  readonly mentions: readonly Mention[];
  readonly isUrgent: boolean;
}

export interface ComposerProps {
  readonly mode: ComposerMode | null;
  readonly onSend: (text: string, mode: ComposerMode | null, options: SendOptions) => void;
  /** Who "@" suggests: the conversation's other members whose names are known. */
  readonly mentionCandidates?: readonly MentionCandidate[];
  readonly onCancelMode: () => void;
  readonly onTyping: (isTyping: boolean) => void;
  readonly isDisabled?: boolean;
  /** Files chosen with the paper clip (not while editing); without it, no paper clip. */
  readonly onAttachFiles?: (files: File[]) => void;
}

/** The message field: Enter sends, Shift+Enter starts a new line, Escape leaves reply or edit. */
export function Composer({
  mode,
  onSend,
  onCancelMode,
  onTyping,
  mentionCandidates = [],
  isDisabled = false,
  onAttachFiles,
}: ComposerProps): ReactElement {
  const { t } = useTranslation();
  const [draft, setDraft] = useState('');
  const savedDraft = useRef('');
  const field = useRef<HTMLTextAreaElement>(null);
  // Mentions: offsets into the draft, kept right while it is edited (mentions.ts).
  const [mentions, setMentions] = useState<readonly Mention[]>([]);
  const savedMentions = useRef<readonly Mention[]>([]);
  const [caret, setCaret] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  const [isUrgent, setIsUrgent] = useState(false);
  const suggestionList = useRef<HTMLDivElement>(null);
  const nextCaret = useRef<number | null>(null);
  // An edit carries no mentions and keeps the message's urgency.
  const isEditing = mode?.kind === 'edit';
  const query = isEditing ? null : mentionQueryAt(draft, caret, mentions);
  const suggestions =
    query === null || query.start === dismissedAt
      ? []
      : matchingCandidates(mentionCandidates, query.text);
  const isSuggesting = suggestions.length > 0;

  useLayoutEffect(() => {
    if (nextCaret.current === null) return;
    field.current?.setSelectionRange(nextCaret.current, nextCaret.current);
    nextCaret.current = null;
  }, [draft]);

  const restoreSavedDraft = (): void => {
    setDraft(savedDraft.current);
    setMentions(savedMentions.current);
  };
  const changeDraft = (value: string): void => {
    const at = field.current?.selectionStart ?? value.length;
    setMentions((current) => updateMentions(draft, value, at, current));
    setDraft(value);
    setCaret(at);
    if (mentionQueryAt(value, at, mentions)?.start !== dismissedAt) setDismissedAt(null);
  };
  const choose = (candidate: MentionCandidate): void => {
    if (query === null) return;
    const result = insertMention({ text: draft, mentions }, query, candidate);
    nextCaret.current = result.caret;
    setDraft(result.text);
    setMentions(result.mentions);
    setCaret(result.caret);
    field.current?.focus();
  };

  useEffect(() => {
    if (mode?.kind === 'edit') {
      savedDraft.current = draft;
      savedMentions.current = mentions;
      setDraft(mode.text);
      setMentions([]);
    }
    if (mode !== null) field.current?.focus();
    // Only a new mode starts an edit; typing must not reset it.
  }, [mode]);

  const send = (): void => {
    const sending = mentionsForSending({ text: draft, mentions });
    if (sending.text === '') return;
    onSend(sending.text, mode, {
      mentions: isEditing ? [] : sending.mentions,
      isUrgent: !isEditing && isUrgent,
    });
    if (isEditing) {
      restoreSavedDraft();
    } else {
      setDraft('');
      setMentions([]);
      setIsUrgent(false);
    }
    onTyping(false);
  };
  const submit = (event: SyntheticEvent<HTMLFormElement>): void => {
    event.preventDefault();
    send();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    if (isSuggesting && !event.nativeEvent.isComposing) {
      // Autocomplete has already passed Enter to the option the keyboard is on (it is chosen
      // on key up); with none, and for Tab, the composer chooses.
      const focusedId = focusedCandidateId(suggestionList.current);
      const candidate = suggestions.find((c) => c.userId === focusedId) ?? suggestions[0];
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        if ((event.key === 'Tab' || focusedId === null) && candidate !== undefined) {
          choose(candidate);
        }
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setDismissedAt(query?.start ?? null);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'Escape' && mode !== null) {
      event.preventDefault();
      if (mode.kind === 'edit') restoreSavedDraft();
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
              if (mode.kind === 'edit') restoreSavedDraft();
              onCancelMode();
            }}
          >
            {mode.kind === 'reply' ? t('message.cancelReply') : t('message.cancelEdit')}
          </Button>
        </div>
      )}
      <div className="composer-row">
        <Autocomplete>
          <TextField
            className="composer-field"
            value={draft}
            onChange={(value) => {
              changeDraft(value);
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
              onSelect={(event) => {
                setCaret(event.currentTarget.selectionStart);
              }}
              onBlur={(event) => {
                const to = event.relatedTarget;
                if (to !== null && !(suggestionList.current?.contains(to) ?? false)) {
                  setDismissedAt(query?.start ?? null);
                }
              }}
              // Autocomplete turns these off for search fields; a message wants them.
              spellCheck
              autoCorrect="on"
              enterKeyHint="send"
            />
          </TextField>
          <MentionSuggestions
            triggerRef={field}
            listRef={suggestionList}
            candidates={suggestions}
            onChoose={choose}
          />
        </Autocomplete>
        {onAttachFiles === undefined || isEditing ? null : (
          <AttachButton onSelect={onAttachFiles} isDisabled={isDisabled} />
        )}
        {isEditing ? null : (
          <ToggleButton
            className="urgent-toggle"
            isSelected={isUrgent}
            onChange={setIsUrgent}
            isDisabled={isDisabled}
          >
            <span className="urgent-check" aria-hidden="true" />
            {t('compose.urgent')}
          </ToggleButton>
        )}
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
