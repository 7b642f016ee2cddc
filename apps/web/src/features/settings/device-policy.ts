import type { MessagingClient } from '@amtsbote/client';
import {
  DEFAULT_MAX_LOCK_AFTER_MINUTES,
  DEFAULT_VAULT_WIPE_AFTER_FAILURES,
  MAX_LOCK_AFTER_MINUTES,
  MAX_VAULT_WIPE_AFTER_FAILURES,
  MIN_LOCK_AFTER_MINUTES,
  MIN_VAULT_WIPE_AFTER_FAILURES,
  type OrganizationPolicy,
} from '@amtsbote/protocol';
import { useEffect, useState } from 'react';
import { readStoredWholeNumber } from './stored-number.js';

/*
 * The organization's device policy as this device last read it. The vault needs its wipe
 * threshold while the app is locked, before anything can be asked of the server, so the app
 * keeps it in localStorage (not secret, like the lock time in lock-timeout.ts) and opens the
 * vault with it at start (main.tsx): a change of the organization's setting takes effect at the
 * next start of the app after it was read here. The longest lock time is kept too, so an app
 * started offline still keeps to it. A missing or invalid stored value counts as the default.
 */

const VAULT_WIPE_KEY = 'amtsbote.vaultWipeAfterFailures';
const MAX_LOCK_KEY = 'amtsbote.maxLockAfterMinutes';

export type DevicePolicy = Pick<
  OrganizationPolicy,
  'vaultWipeAfterFailures' | 'maxLockAfterMinutes'
>;

export function readDevicePolicy(storage: Storage): DevicePolicy {
  return {
    vaultWipeAfterFailures:
      readStoredWholeNumber(
        storage,
        VAULT_WIPE_KEY,
        MIN_VAULT_WIPE_AFTER_FAILURES,
        MAX_VAULT_WIPE_AFTER_FAILURES,
      ) ?? DEFAULT_VAULT_WIPE_AFTER_FAILURES,
    maxLockAfterMinutes:
      readStoredWholeNumber(
        storage,
        MAX_LOCK_KEY,
        MIN_LOCK_AFTER_MINUTES,
        MAX_LOCK_AFTER_MINUTES,
      ) ?? DEFAULT_MAX_LOCK_AFTER_MINUTES,
  };
}

export function saveDevicePolicy(storage: Storage, policy: DevicePolicy): void {
  storage.setItem(VAULT_WIPE_KEY, String(policy.vaultWipeAfterFailures));
  storage.setItem(MAX_LOCK_KEY, String(policy.maxLockAfterMinutes));
}

/**
 * Reads the organization's policy once the app is unlocked, and again at every reconnection
 * (then as the client last read it, on its previous catch-up), and keeps its device settings on
 * the device. Returns the longest lock time in force: the one kept from the last read until the
 * policy is read, and when it cannot be.
 */
export function useDevicePolicy(client: MessagingClient, storage: Storage): number {
  const [maxLockAfterMinutes, setMaxLockAfterMinutes] = useState(
    () => readDevicePolicy(storage).maxLockAfterMinutes,
  );
  useEffect(() => {
    let isCurrent = true;
    const read = (): void => {
      void client
        .policy()
        .then((policy) => {
          if (isCurrent) setMaxLockAfterMinutes(policy.maxLockAfterMinutes);
          saveDevicePolicy(storage, policy);
        })
        // Offline, or the storage refused: the values kept from the last read stay in force.
        .catch(() => undefined);
    };
    read();
    const unsubscribe = client.subscribe((event) => {
      if (event.type === 'connection_changed' && event.state === 'connected') read();
    });
    return () => {
      isCurrent = false;
      unsubscribe();
    };
  }, [client, storage]);
  return maxLockAfterMinutes;
}
