import type { DevicePlatform } from '@amtsbote/protocol';
import type { de } from '../../i18n/de.js';

type ProfileKey = keyof (typeof de)['profile'];

const PLATFORM_KEYS: Readonly<Record<DevicePlatform, ProfileKey>> = {
  web: 'platformWeb',
  android: 'platformAndroid',
  ios: 'platformIos',
  windows: 'platformWindows',
  macos: 'platformMacos',
  linux: 'platformLinux',
  cli: 'platformCli',
};

/** The catalog key naming a device's platform (null: the device is not in the user's list). */
export function platformKey(platform: DevicePlatform | null): `profile.${ProfileKey}` {
  return `profile.${platform === null ? 'unknownPlatform' : PLATFORM_KEYS[platform]}`;
}
