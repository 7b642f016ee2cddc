import { createImageThumbnail, type MessagingClient } from '@amtsbote/client';
import {
  createContext,
  useContext,
  useMemo,
  useState,
  type ReactElement,
  type ReactNode,
} from 'react';
import { ThumbnailCache } from './thumbnail-cache.js';
import { UploadQueue } from './upload-queue.js';

/*
 * What file cards and the composer's uploads need besides a message: the client, the open
 * conversation, the files being sent (kept while the user switches conversations) and the
 * cache of decrypted thumbnails. Provided once by the chat screen.
 */

export interface AttachmentsContextValue {
  readonly client: MessagingClient;
  /** The open conversation; null when none is. */
  readonly conversationId: string | null;
  readonly uploads: UploadQueue;
  readonly thumbnails: ThumbnailCache;
}

const AttachmentsContext = createContext<AttachmentsContextValue | null>(null);

export interface AttachmentsProviderProps {
  readonly client: MessagingClient;
  readonly conversationId: string | null;
  readonly children: ReactNode;
}

export function AttachmentsProvider({
  client,
  conversationId,
  children,
}: AttachmentsProviderProps): ReactElement {
  // One queue and cache per client, for as long as the chat screen shows it.
  const [shared] = useState(() => ({
    uploads: new UploadQueue(client, (image) => createImageThumbnail(image)),
    thumbnails: new ThumbnailCache(client),
  }));
  const value = useMemo(
    () => ({ client, conversationId, ...shared }),
    [client, conversationId, shared],
  );
  return <AttachmentsContext value={value}>{children}</AttachmentsContext>;
}

export function useAttachmentsContext(): AttachmentsContextValue {
  const value = useContext(AttachmentsContext);
  if (value === null) throw new Error('an AttachmentsProvider must surround file attachments');
  return value;
}
