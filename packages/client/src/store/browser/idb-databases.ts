import { VaultError } from './vault-error.js';

/** How long a wipe waits for other tabs to close the databases before it reports them. */
export const DEFAULT_BLOCKED_TIMEOUT_MS = 10_000;

/** Whether the origin has a database of this name (without opening, so without creating it). */
export async function databaseExists(name: string): Promise<boolean> {
  try {
    const databases = await indexedDB.databases();
    return databases.some((database) => database.name === name);
  } catch (error) {
    throw new VaultError('storage_failed', 'IndexedDB does not list its databases', {
      cause: error,
    });
  }
}

function deleteDatabase(name: string, onBlocked: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => {
      resolve();
    };
    request.onerror = () => {
      reject(
        new VaultError('storage_failed', `database ${name} could not be deleted`, {
          cause: request.error,
        }),
      );
    };
    // Open connections were sent a versionchange event; ours close on it (IndexedDbStore and
    // the short-lived meta connections). One that stays open belongs to code that ignores it.
    request.onblocked = onBlocked;
  });
}

/**
 * Deletes the databases, requested in the order given. All
 * requests are placed at once, so when another tab blocks one they all stay queued and complete
 * when it closes its connection; the promise then rejects with 'wipe_blocked' after
 * `blockedTimeoutMs` instead of waiting for a tab that may never close.
 */
export async function deleteDatabases(
  names: readonly string[],
  blockedTimeoutMs: number = DEFAULT_BLOCKED_TIMEOUT_MS,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reportBlocked = (): void => undefined;
  const blocked = new Promise<never>((_, reject) => {
    reportBlocked = () => {
      timer ??= setTimeout(() => {
        reject(
          new VaultError(
            'wipe_blocked',
            `another tab keeps ${names.join(', ')} open; deletion waits until it closes them`,
          ),
        );
      }, blockedTimeoutMs);
    };
  });
  const deleted = Promise.all(names.map((name) => deleteDatabase(name, reportBlocked)));
  // Once the race is lost to 'wipe_blocked', a later failure has no one to report to.
  deleted.catch(() => undefined);
  try {
    await Promise.race([deleted, blocked]);
  } finally {
    clearTimeout(timer);
  }
}
