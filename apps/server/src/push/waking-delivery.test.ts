import { describe, expect, it } from 'vitest';
import type { RoutedEvent } from '../messaging/delivery.js';
import { WakingDelivery, type ConnectedDelivery } from './waking-delivery.js';

const EVENT: RoutedEvent = {
  type: 'message',
  conversationId: 'c',
  seq: 1,
  epoch: 1,
  senderDeviceId: 's',
  messageId: 'm',
  intent: 'post',
  sentAt: new Date(0),
  data: new Uint8Array([1]),
  ratchetTree: null,
};

function connections(connected: readonly string[]) {
  const calls: string[] = [];
  const delivery: ConnectedDelivery = {
    pushEvent: (deviceIds) => calls.push(`event ${deviceIds.join(',')}`),
    pushNotice: (deviceId) => calls.push(`notice ${deviceId}`),
    pushEphemeral: (deviceIds) => calls.push(`ephemeral ${deviceIds.join(',')}`),
    isConnected: (deviceId) => connected.includes(deviceId),
  };
  return { delivery, calls };
}

describe('WakingDelivery', () => {
  it('hands every event to the connections and wakes the devices they do not reach', () => {
    const { delivery, calls } = connections(['a']);
    const woken: string[][] = [];
    const waking = new WakingDelivery(delivery, { wake: (ids) => woken.push([...ids]) });
    waking.pushEvent(['a', 'b', 'c'], EVENT);
    expect(calls).toEqual(['event a,b,c']);
    expect(woken).toEqual([['b', 'c']]);
  });

  it('wakes nobody when every device is connected, and never for notices or ephemerals', () => {
    const { delivery, calls } = connections(['a']);
    const woken: string[][] = [];
    const waking = new WakingDelivery(delivery, { wake: (ids) => woken.push([...ids]) });
    waking.pushEvent(['a'], EVENT);
    waking.pushNotice('b', { type: 'sync_needed' });
    waking.pushEphemeral(['b'], {
      conversationId: 'c',
      epoch: 1,
      senderDeviceId: 's',
      ciphertext: new Uint8Array([1]),
    });
    expect(calls).toEqual(['event a', 'notice b', 'ephemeral b']);
    expect(woken).toEqual([]);
  });
});
