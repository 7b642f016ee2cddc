import type { ReactElement, RefObject } from 'react';
import { ListBox, ListBoxItem, Popover } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import type { MentionCandidate } from './mentions.js';

export interface MentionSuggestionsProps {
  /** The message field the popup belongs to. */
  readonly triggerRef: RefObject<HTMLElement | null>;
  /** The list element, to find the option the keyboard is on (Composer's Tab). */
  readonly listRef: RefObject<HTMLDivElement | null>;
  /** The members matching what follows the "@"; nothing shows while it is empty. */
  readonly candidates: readonly MentionCandidate[];
  readonly onChoose: (candidate: MentionCandidate) => void;
}

/** The option the keyboard is on, or null: React Aria marks it with data-focused. */
export function focusedCandidateId(list: HTMLElement | null): string | null {
  return list?.querySelector('[role="option"][data-focused]')?.getAttribute('data-user-id') ?? null;
}

/**
 * The members to mention, under the composer's Autocomplete: the message field keeps the focus
 * and moves a virtual focus through this list (aria-activedescendant), so typing goes on while
 * the arrow keys choose. How many there are is announced when the list appears or changes.
 */
export function MentionSuggestions(props: MentionSuggestionsProps): ReactElement {
  const { triggerRef, listRef, candidates, onChoose } = props;
  const { t } = useTranslation();
  const isOpen = candidates.length > 0;
  return (
    <>
      <p className="visually-hidden" aria-live="polite">
        {isOpen ? t('compose.suggestionCount', { count: candidates.length }) : null}
      </p>
      <Popover
        className="popover mention-popover"
        triggerRef={triggerRef}
        isOpen={isOpen}
        isNonModal
        placement="top start"
      >
        <ListBox
          ref={listRef}
          className="menu"
          aria-label={t('compose.suggestions')}
          items={candidates}
          onAction={(key) => {
            const chosen = candidates.find((candidate) => candidate.userId === key);
            if (chosen !== undefined) onChoose(chosen);
          }}
        >
          {(candidate) => (
            <ListBoxItem
              id={candidate.userId}
              className="menu-item"
              textValue={candidate.displayName}
              data-user-id={candidate.userId}
            >
              {candidate.displayName}
            </ListBoxItem>
          )}
        </ListBox>
      </Popover>
    </>
  );
}
