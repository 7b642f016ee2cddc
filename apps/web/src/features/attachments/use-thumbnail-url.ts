import { useEffect, useState } from 'react';
import { useAttachmentsContext } from './AttachmentsProvider.js';

/** loading, then the object URL of the decrypted thumbnail, or failed (none, or unreadable). */
export type ThumbnailUrl = 'loading' | 'failed' | { readonly url: string };

/**
 * The decrypted thumbnail of a message's attachment as an object URL, made when shown and
 * revoked when no longer shown (unmounted, or another attachment).
 */
export function useThumbnailUrl(
  messageId: string,
  index: number,
  hasThumbnail: boolean,
): ThumbnailUrl {
  const { thumbnails, conversationId } = useAttachmentsContext();
  const [state, setState] = useState<ThumbnailUrl>('loading');

  useEffect(() => {
    if (!hasThumbnail || conversationId === null) {
      setState('failed');
      return;
    }
    let isCurrent = true;
    let url: string | null = null;
    setState('loading');
    thumbnails.get(conversationId, messageId, index).then(
      (blob) => {
        if (!isCurrent) return;
        if (blob === null) {
          setState('failed');
          return;
        }
        url = URL.createObjectURL(blob);
        setState({ url });
      },
      () => {
        if (isCurrent) setState('failed');
      },
    );
    return () => {
      isCurrent = false;
      if (url !== null) URL.revokeObjectURL(url);
    };
  }, [thumbnails, conversationId, messageId, index, hasThumbnail]);

  return state;
}
