import { MAX_LOCK_AFTER_MINUTES, MIN_LOCK_AFTER_MINUTES } from '@amtsbote/protocol';
import { useEffect, useRef } from 'react';
import { readStoredWholeNumber } from './stored-number.js';

/** The choices of the idle time after which the app locks itself, in minutes. */
export const LOCK_AFTER_MINUTES = [1, 5, 15, 60] as const;
export const DEFAULT_LOCK_AFTER_MINUTES = 5;

const STORAGE_KEY = 'amtsbote.lockAfterMinutes';

/**
 * Not secret: kept in localStorage so the lock screen knows it before the vault is open. Any
 * whole number of minutes the protocol allows, since under an organization's limit the longest
 * choice may lie between the usual ones.
 */
export function readLockAfterMinutes(storage: Storage): number {
  return (
    readStoredWholeNumber(storage, STORAGE_KEY, MIN_LOCK_AFTER_MINUTES, MAX_LOCK_AFTER_MINUTES) ??
    DEFAULT_LOCK_AFTER_MINUTES
  );
}

export function saveLockAfterMinutes(storage: Storage, minutes: number): void {
  storage.setItem(STORAGE_KEY, String(minutes));
}

/** The idle time in force: the member's choice, but no longer than the organization allows. */
export function lockAfterMinutesInForce(chosen: number, maxLockAfterMinutes: number): number {
  return Math.min(chosen, maxLockAfterMinutes);
}

/**
 * What the settings offer under the organization's limit, shortest first: the usual choices
 * up to it, the limit itself, and the time in force (which may be neither after the limit changed).
 */
export function lockAfterChoices(maxLockAfterMinutes: number, inForce: number): number[] {
  const choices = new Set([
    ...LOCK_AFTER_MINUTES.filter((minutes) => minutes < maxLockAfterMinutes),
    maxLockAfterMinutes,
    lockAfterMinutesInForce(inForce, maxLockAfterMinutes),
  ]);
  return [...choices].sort((a, b) => a - b);
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
