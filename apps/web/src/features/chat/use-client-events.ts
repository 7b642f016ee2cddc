import type { MessagingClient, MessagingEvent } from '@amtsbote/client';
import { WS_CLOSE } from '@amtsbote/protocol';
import { useEffect, useRef, useState } from 'react';

/**
 * A number that grows with every event of the client that passes the filter: components read
 * the client's state again when it changes. The listener sees each event first.
 */
export function useClientVersion(
  client: MessagingClient,
  isRelevant: (event: MessagingEvent) => boolean,
  onEvent?: (event: MessagingEvent) => void,
): number {
  const [version, setVersion] = useState(0);
  const filter = useRef(isRelevant);
  const listener = useRef(onEvent);
  filter.current = isRelevant;
  listener.current = onEvent;
  useEffect(
    () =>
      client.subscribe((event) => {
        if (!filter.current(event)) return;
        listener.current?.(event);
        setVersion((v) => v + 1);
      }),
    [client],
  );
  return version;
}

/** Whether the client is connected to the server right now. */
export function useConnected(client: MessagingClient): boolean {
  const [isConnected, setConnected] = useState(client.isConnected);
  useEffect(
    () =>
      client.subscribe((event) => {
        if (event.type === 'connection_changed') setConnected(event.state === 'connected');
      }),
    [client],
  );
  return isConnected;
}

/** Why the server refused this app's protocol version, once it did: which side is too old. */
export type Incompatibility = 'clientTooOld' | 'serverTooOld';

/**
 * The server closes the connection for good when the app's protocol version is outside what it
 * speaks (close code protocolMismatch); its reason says which side is too old.
 */
export function useIncompatibility(client: MessagingClient): Incompatibility | null {
  const [incompatibility, setIncompatibility] = useState<Incompatibility | null>(null);
  useEffect(
    () =>
      client.subscribe((event) => {
        if (
          event.type !== 'connection_changed' ||
          event.state !== 'stopped' ||
          event.closeCode !== WS_CLOSE.protocolMismatch
        ) {
          return;
        }
        setIncompatibility(
          event.closeReason === 'client_too_new' ? 'serverTooOld' : 'clientTooOld',
        );
      }),
    [client],
  );
  return incompatibility;
}
