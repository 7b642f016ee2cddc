import type { DeviceInfo } from '@amtsbote/protocol';

const BROWSERS = [
  ['Edg/', 'Edge'],
  ['Firefox/', 'Firefox'],
  ['Chrome/', 'Chrome'],
  ['Chromium/', 'Chromium'],
  ['Safari/', 'Safari'],
] as const;

const SYSTEMS = [
  ['Android', 'Android'],
  ['iPhone', 'iOS'],
  ['iPad', 'iPadOS'],
  ['Windows', 'Windows'],
  ['Mac OS X', 'macOS'],
  ['Linux', 'Linux'],
] as const;

/** How this browser names itself in the user's device list, e.g. "Firefox · Windows". */
export function webDeviceInfo(userAgent: string): DeviceInfo {
  const browser = BROWSERS.find(([marker]) => userAgent.includes(marker))?.[1] ?? 'Browser';
  const system = SYSTEMS.find(([marker]) => userAgent.includes(marker))?.[1];
  return {
    name: system === undefined ? browser : `${browser} · ${system}`,
    platform: 'web',
    kind: 'personal',
  };
}
