import type { MessagingClient } from '@amtsbote/client';
import type { DirectoryEntry } from '@amtsbote/protocol';
import { useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { ColleaguePicker, useDirectorySearch } from '../chat/ColleaguePicker.js';

export interface AddMembersProps {
  readonly client: MessagingClient;
  /** Members now: they are not offered again. */
  readonly memberUserIds: ReadonlySet<string>;
  /** Some action of the details runs. */
  readonly isBusy: boolean;
  readonly isAdding: boolean;
  readonly onAdd: (users: readonly DirectoryEntry[]) => Promise<boolean>;
}

/** Owners: colleagues from the directory, picked as in a new conversation, become members. */
export function AddMembers(props: AddMembersProps): ReactElement {
  const { client, memberUserIds } = props;
  const { t } = useTranslation();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<ReadonlyMap<string, DirectoryEntry>>(new Map());
  const [isHinting, setHinting] = useState(false);
  const results = useDirectorySearch(client, query);

  const offered = results.filter((user) => !memberUserIds.has(user.id));
  const toggle = (user: DirectoryEntry, isOn: boolean): void => {
    setHinting(false);
    setSelected((current) => {
      const next = new Map(current);
      if (isOn) next.set(user.id, user);
      else next.delete(user.id);
      return next;
    });
  };

  const add = (): void => {
    const users = [...selected.values()].filter((user) => !memberUserIds.has(user.id));
    if (users.length === 0) {
      setHinting(true);
      return;
    }
    void props.onAdd(users).then((isAdded) => {
      if (isAdded) setSelected(new Map());
    });
  };

  return (
    <section className="members-section" aria-labelledby="members-add-heading">
      <h3 id="members-add-heading">{t('members.add')}</h3>
      <ColleaguePicker
        query={query}
        onQueryChange={setQuery}
        results={offered}
        isSelected={(userId) => selected.has(userId)}
        onToggle={toggle}
        labels={{
          search: t('members.search'),
          hint: t('members.searchHint'),
          noResults: t('members.noResults'),
        }}
      />
      <div role="alert" className="problem-region">
        {isHinting ? <p className="problem">{t('members.pickSome')}</p> : null}
      </div>
      <div className="dialog-actions">
        <Button className="primary-button" onPress={add} isDisabled={props.isBusy}>
          {props.isAdding ? t('members.adding') : t('members.addSelected')}
        </Button>
      </div>
    </section>
  );
}
