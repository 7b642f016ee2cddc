import type { MessagingClient } from '@amtsbote/client';
import { useEffect, useSyncExternalStore } from 'react';

export interface Person {
  readonly userId: string;
  readonly displayName: string;
  readonly isActive: boolean;
}

/**
 * Names of the users the screens show, looked up in the colleague directory once per user and
 * kept while the app runs. Ids the directory does not know stay unnamed. Every component that
 * shows names re-renders when a name is learned (useNames).
 */
export class PeopleCache {
  readonly #client: MessagingClient;
  readonly #known = new Map<string, Person>();
  readonly #asked = new Set<string>();
  /** Ids whose lookup failed (the server was not reachable): asked again by retryFailed(). */
  readonly #failed = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #version = 0;

  constructor(client: MessagingClient) {
    this.#client = client;
  }

  get version(): number {
    return this.#version;
  }

  get(userId: string): Person | null {
    return this.#known.get(userId) ?? null;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Looks up the ids not asked for before; a failed lookup is asked again next time. */
  async learn(userIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(userIds)].filter((id) => !this.#asked.has(id));
    if (missing.length === 0) return;
    for (const id of missing) {
      this.#asked.add(id);
      this.#failed.delete(id);
    }
    try {
      const users = await this.#client.lookupUsers(missing);
      for (const user of users) {
        this.#known.set(user.id, {
          userId: user.id,
          displayName: user.displayName,
          isActive: user.isActive,
        });
      }
      if (users.length === 0) return;
      this.#version += 1;
      for (const listener of this.#listeners) listener();
    } catch {
      for (const id of missing) {
        this.#asked.delete(id);
        this.#failed.add(id);
      }
    }
  }

  /** Asks again for the ids whose lookup failed, e.g. once the connection is back. */
  async retryFailed(): Promise<void> {
    await this.learn([...this.#failed]);
  }
}

/** Asks for the names of these users and re-renders whenever a name is learned. */
export function useNames(people: PeopleCache, userIds: readonly string[]): void {
  useSyncExternalStore(
    (listener) => people.subscribe(listener),
    () => people.version,
  );
  const key = [...new Set(userIds)].sort().join(',');
  useEffect(() => {
    if (key !== '') void people.learn(key.split(','));
  }, [people, key]);
}
