import type { MessagingClient, MessagingEvent } from '@amtsbote/client';
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
