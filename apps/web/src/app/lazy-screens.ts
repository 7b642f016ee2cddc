import { lazy } from 'react';

/*
 * The screens a device sees before it holds an account (setup, sign-in, invitation, PIN,
 * device link, recovery key) are loaded when first shown: a signed-in device opens straight to
 * the lock screen and the chat, and its first load carries none of them. The service worker
 * precaches every chunk, so they open offline too.
 */
export const SetupScreen = lazy(async () => ({
  default: (await import('../features/setup/SetupScreen.js')).SetupScreen,
}));
export const InviteScreen = lazy(async () => ({
  default: (await import('../features/auth/InviteScreen.js')).InviteScreen,
}));
export const LoginScreen = lazy(async () => ({
  default: (await import('../features/auth/LoginScreen.js')).LoginScreen,
}));
export const CreatePinScreen = lazy(async () => ({
  default: (await import('../features/vault/CreatePinScreen.js')).CreatePinScreen,
}));
export const DeviceLinkScreen = lazy(async () => ({
  default: (await import('../features/device/DeviceLinkScreen.js')).DeviceLinkScreen,
}));
export const RecoveryKeyScreen = lazy(async () => ({
  default: (await import('../features/device/RecoveryKeyScreen.js')).RecoveryKeyScreen,
}));
