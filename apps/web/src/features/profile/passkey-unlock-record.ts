import { JsonCollection, type LocalStore } from '@amtsbote/client';
import { z } from 'zod';

/*
 * Which of the account's passkeys unlocks this device's vault, kept in the vault: the server's
 * list does not show credential ids, so the passkey's server id is remembered when it is
 * registered here. Removing that passkey then also ends its unlock, or a passkey the user
 * removed would still open the vault.
 */

const RECORD_KEY = 'passkey-unlock';

const passkeyUnlockRecordSchema = z.strictObject({
  version: z.literal(1),
  passkeyId: z.uuid(),
});
export type PasskeyUnlockRecord = z.infer<typeof passkeyUnlockRecordSchema>;

function records(store: LocalStore): JsonCollection<PasskeyUnlockRecord> {
  return new JsonCollection(store, 'profile', passkeyUnlockRecordSchema);
}

/** The server id of the passkey that unlocks the vault, when it was registered here. */
export async function readUnlockPasskeyId(store: LocalStore): Promise<string | null> {
  return (await records(store).get(RECORD_KEY))?.passkeyId ?? null;
}

/** Remembers the unlocking passkey's server id; null when it is not known. */
export async function saveUnlockPasskeyId(
  store: LocalStore,
  passkeyId: string | null,
): Promise<void> {
  if (passkeyId === null) {
    await records(store).delete(RECORD_KEY);
    return;
  }
  await records(store).put(RECORD_KEY, { version: 1, passkeyId });
}
