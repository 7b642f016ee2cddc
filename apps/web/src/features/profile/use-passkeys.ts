import type { LocalStore, PasskeysApi } from '@amtsbote/client';
import type { PasskeyView } from '@amtsbote/protocol';
import { useCallback, useEffect, useState } from 'react';
import type { DeviceVault } from '../../session/device-vault.js';
import { readUnlockPasskeyId } from './passkey-unlock-record.js';

export interface PasskeysState {
  /** null while loading. */
  readonly passkeys: readonly PasskeyView[] | null;
  /** Whether a passkey unlocks this device's vault. */
  readonly isUnlockOn: boolean;
  /** The server id of the passkey that unlocks the vault, when known. */
  readonly unlockPasskeyId: string | null;
  readonly error: unknown;
  reload(): Promise<void>;
}

/** The account's passkeys and which of them unlocks the vault here. */
export function usePasskeys(
  api: PasskeysApi,
  vault: DeviceVault,
  store: LocalStore,
): PasskeysState {
  const [passkeys, setPasskeys] = useState<readonly PasskeyView[] | null>(null);
  const [isUnlockOn, setUnlockOn] = useState(false);
  const [unlockPasskeyId, setUnlockPasskeyId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    const [list, credentialId, passkeyId] = await Promise.all([
      api.list(),
      vault.passkeyUnlockId(),
      readUnlockPasskeyId(store),
    ]);
    setPasskeys(list);
    setUnlockOn(credentialId !== null);
    setUnlockPasskeyId(credentialId === null ? null : passkeyId);
  }, [api, vault, store]);

  useEffect(() => {
    reload().catch(setError);
  }, [reload]);

  return { passkeys, isUnlockOn, unlockPasskeyId, error, reload };
}
