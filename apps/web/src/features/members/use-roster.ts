import type { MessagingClient } from '@amtsbote/client';
import type { ConversationView } from '@amtsbote/protocol';
import { useCallback, useEffect, useState } from 'react';
import { useClientVersion } from '../chat/use-client-events.js';
import { memberProblemOf, type MemberProblem } from './member-problems.js';

const ROSTER_EVENTS = new Set(['membership_changed', 'conversation_joined', 'conversation_left']);

export interface RosterState {
  /** null while loading, and when the user is no member (any more). */
  readonly roster: ConversationView | null;
  readonly isLoaded: boolean;
  /** Why the roster could not be read, until it can. */
  readonly problem: MemberProblem | null;
  readonly reload: () => Promise<void>;
}

/** The server's roster of the conversation while the details are open, read again on changes. */
export function useRoster(
  client: MessagingClient,
  conversationId: string,
  isOpen: boolean,
): RosterState {
  const [roster, setRoster] = useState<ConversationView | null>(null);
  const [isLoaded, setLoaded] = useState(false);
  const [problem, setProblem] = useState<MemberProblem | null>(null);
  const version = useClientVersion(
    client,
    (event) =>
      ROSTER_EVENTS.has(event.type) &&
      'conversationId' in event &&
      event.conversationId === conversationId,
  );

  const reload = useCallback(async () => {
    const view = await client.roster(conversationId);
    setRoster(view);
    setLoaded(true);
    setProblem(null);
  }, [client, conversationId]);

  useEffect(() => {
    if (!isOpen) return;
    void reload().catch((error: unknown) => {
      setLoaded(true);
      setProblem(memberProblemOf(error));
    });
  }, [isOpen, reload, version]);

  return { roster, isLoaded, problem, reload };
}
