/** Why a set of sessions ended; the WebSocket gateway maps this to a close code. */
export type SessionEndReason = 'session_ended' | 'device_revoked' | 'user_disabled';

export interface SessionsEndedEvent {
  readonly organizationId: string;
  readonly sessionIds: readonly string[];
  readonly reason: SessionEndReason;
}

export type SessionsEndedListener = (event: SessionsEndedEvent) => void;

/**
 * Tells live connections that their sessions ended. In-process for one node; a multi-node
 * deployment forwards the same events over the bus (the database stays the source of truth,
 * since every request checks its session there).
 */
export class SessionEvents {
  readonly #listeners = new Set<SessionsEndedListener>();

  subscribe(listener: SessionsEndedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: SessionsEndedEvent): void {
    // A revoked device or disabled user without open sessions still matters to listeners that
    // act on the device or user (routing cleanup), so only an empty logout is dropped.
    if (event.sessionIds.length === 0 && event.reason === 'session_ended') return;
    for (const listener of this.#listeners) listener(event);
  }
}
