import type { MessagingClient } from '@amtsbote/client';
import type { DirectoryEntry } from '@amtsbote/protocol';
import { useEffect, useState, type ReactElement } from 'react';
import { Input, Label, SearchField, Text } from 'react-aria-components';
import { CheckboxItem } from '../../ui/CheckboxItem.js';

/**
 * Colleagues from the directory matching the query (name or department), asked 200 ms after
 * the last keystroke; `onError` hears why a search failed (the results are then empty).
 */
export function useDirectorySearch(
  client: MessagingClient,
  query: string,
  options: { readonly isEnabled?: boolean; readonly onError?: (error: unknown) => void } = {},
): readonly DirectoryEntry[] {
  const [results, setResults] = useState<readonly DirectoryEntry[]>([]);
  const { isEnabled = true, onError } = options;
  useEffect(() => {
    if (!isEnabled) return;
    let isCurrent = true;
    const timer = setTimeout(() => {
      client
        .searchDirectory(query, { limit: 20 })
        .then((page) => {
          if (isCurrent) setResults(page.users);
        })
        .catch((error: unknown) => {
          if (!isCurrent) return;
          setResults([]);
          onError?.(error);
        });
    }, 200);
    return () => {
      isCurrent = false;
      clearTimeout(timer);
    };
  }, [client, query, isEnabled, onError]);
  return results;
}

export interface ColleaguePickerProps {
  readonly query: string;
  readonly onQueryChange: (query: string) => void;
  readonly results: readonly DirectoryEntry[];
  readonly isSelected: (userId: string) => boolean;
  readonly onToggle: (user: DirectoryEntry, isOn: boolean) => void;
  readonly labels: { readonly search: string; readonly hint: string; readonly noResults: string };
}

/** The search field and the found colleagues as checkboxes (new conversation, add members). */
export function ColleaguePicker(props: ColleaguePickerProps): ReactElement {
  return (
    <>
      <SearchField className="field" value={props.query} onChange={props.onQueryChange}>
        <Label>{props.labels.search}</Label>
        <Input />
        <Text slot="description">{props.labels.hint}</Text>
      </SearchField>
      <fieldset className="people-results">
        <legend className="visually-hidden">{props.labels.search}</legend>
        {props.results.length === 0 ? <p className="empty">{props.labels.noResults}</p> : null}
        {props.results.map((user) => (
          <CheckboxItem
            key={user.id}
            isSelected={props.isSelected(user.id)}
            onChange={(isOn) => {
              props.onToggle(user, isOn);
            }}
          >
            <span className="person">
              <span>{user.displayName}</span>
              <span className="muted">{user.username}</span>
            </span>
          </CheckboxItem>
        ))}
      </fieldset>
    </>
  );
}
