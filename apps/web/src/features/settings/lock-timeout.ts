import { useEffect, useRef } from 'react';

/** The choices of the idle time after which the app locks itself, in minutes. */
export const LOCK_AFTER_MINUTES = [1, 5, 15, 60] as const;
export type LockAfterMinutes = (typeof LOCK_AFTER_MINUTES)[number];
export const DEFAULT_LOCK_AFTER_MINUTES: LockAfterMinutes = 5;

const STORAGE_KEY = 'amtsbote.lockAfterMinutes';

/** Not secret: kept in localStorage so the lock screen knows it before the vault is open. */
export function readLockAfterMinutes(storage: Storage): LockAfterMinutes {
  const stored = Number(storage.getItem(STORAGE_KEY));
  return LOCK_AFTER_MINUTES.find((m) => m === stored) ?? DEFAULT_LOCK_AFTER_MINUTES;
}

export function saveLockAfterMinutes(storage: Storage, minutes: LockAfterMinutes): void {
  storage.setItem(STORAGE_KEY, String(minutes));
}

const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

/**
 * Calls onIdle once no input came for the given time. The time also runs while the app is in
 * the background (a tab left open on a shared computer locks as well).
 */
export function useIdleLock(timeoutMs: number, onIdle: () => void): void {
  const callback = useRef(onIdle);
  callback.current = onIdle;
  useEffect(() => {
    let timer = setTimeout(() => callback.current(), timeoutMs);
    const reset = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => callback.current(), timeoutMs);
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, reset);
    };
  }, [timeoutMs]);
}
