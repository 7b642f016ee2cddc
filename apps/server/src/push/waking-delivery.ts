import type { Delivery, Notice, RelayedEphemeral, RoutedEvent } from '../messaging/delivery.js';

/** The connections of this node: they deliver, and they tell which devices they reach. */
export interface ConnectedDelivery extends Delivery {
  isConnected(deviceId: string): boolean;
}

export interface Waker {
  wake(deviceIds: readonly string[]): void;
}

/**
 * The delivery of the composition root when web push is on: events go to the connected devices
 * as before, and every device an event is for that has no connection here is woken by a push
 * (ADR 0015). Notices and ephemeral messages only matter to a live connection: no push.
 */
export class WakingDelivery implements Delivery {
  readonly #connections: ConnectedDelivery;
  readonly #waker: Waker;

  constructor(connections: ConnectedDelivery, waker: Waker) {
    this.#connections = connections;
    this.#waker = waker;
  }

  pushEvent(deviceIds: readonly string[], event: RoutedEvent): void {
    this.#connections.pushEvent(deviceIds, event);
    const offline = deviceIds.filter((deviceId) => !this.#connections.isConnected(deviceId));
    if (offline.length > 0) this.#waker.wake(offline);
  }

  pushNotice(deviceId: string, notice: Notice): void {
    this.#connections.pushNotice(deviceId, notice);
  }

  pushEphemeral(deviceIds: readonly string[], ephemeral: RelayedEphemeral): void {
    this.#connections.pushEphemeral(deviceIds, ephemeral);
  }
}
