import { lazy } from 'react';

/*
 * The chat screen's dialogs are loaded when first opened: showing the conversations needs none
 * of them, so the chat route's first load carries less script. The service worker precaches
 * every chunk, so they open offline too.
 */
export const InviteDialog = lazy(async () => ({
  default: (await import('../admin/InviteDialog.js')).InviteDialog,
}));
export const ApproveDeviceDialog = lazy(async () => ({
  default: (await import('../device/ApproveDeviceDialog.js')).ApproveDeviceDialog,
}));
export const DevicesDialog = lazy(async () => ({
  default: (await import('../device/DevicesDialog.js')).DevicesDialog,
}));
export const ProfileDialog = lazy(async () => ({
  default: (await import('../profile/ProfileDialog.js')).ProfileDialog,
}));
export const SettingsDialog = lazy(async () => ({
  default: (await import('../settings/SettingsDialog.js')).SettingsDialog,
}));
export const NewConversationDialog = lazy(async () => ({
  default: (await import('./NewConversationDialog.js')).NewConversationDialog,
}));
