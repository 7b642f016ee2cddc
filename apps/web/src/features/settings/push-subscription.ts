import { PushApi, type HttpApi } from '@amtsbote/client';

/** The VAPID key as the bytes PushManager.subscribe takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64url.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

export type NotificationState = 'unsupported' | 'blocked' | 'off' | 'on';

function isSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Whether this device receives push notifications now. */
export async function notificationState(): Promise<NotificationState> {
  if (!isSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  return subscription === null ||
    subscription === undefined ||
    Notification.permission !== 'granted'
    ? 'off'
    : 'on';
}

/**
 * Asks for permission (this must follow a user's action), subscribes the service worker with the
 * server's VAPID key and registers the subscription for this device.
 */
export async function enableNotifications(http: HttpApi): Promise<NotificationState> {
  if (!isSupported()) return 'unsupported';
  if ((await Notification.requestPermission()) !== 'granted') return 'blocked';
  const api = new PushApi(http);
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(await api.vapidKey()),
  });
  await api.subscribe(subscription.toJSON());
  return 'on';
}

/** Ends the subscription on the server and in the browser. */
export async function disableNotifications(http: HttpApi): Promise<NotificationState> {
  await new PushApi(http).unsubscribe();
  const registration = await navigator.serviceWorker.getRegistration('/');
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
  return 'off';
}
