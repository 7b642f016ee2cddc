import type { ThumbnailRef } from '@amtsbote/protocol';
import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { useThumbnailUrl } from './use-thumbnail-url.js';

export interface AttachmentThumbnailProps {
  readonly messageId: string;
  readonly index: number;
  readonly name: string;
  readonly thumbnail: ThumbnailRef;
}

/** Longest shown edge, in rem; the box is reserved before the image is decrypted. */
const MAX_EDGE_REM = 16;
const PX_PER_REM = 16;

/**
 * The decrypted thumbnail in a box of its final size from the start, so the timeline's rows
 * keep their height while it loads.
 */
export function AttachmentThumbnail(props: AttachmentThumbnailProps): ReactElement {
  const { messageId, index, name, thumbnail } = props;
  const { t } = useTranslation();
  const state = useThumbnailUrl(messageId, index, true);
  const scale = Math.min(
    1,
    (MAX_EDGE_REM * PX_PER_REM) / Math.max(thumbnail.width, thumbnail.height),
  );
  return (
    <span
      className={state === 'failed' ? 'attachment-thumbnail failed' : 'attachment-thumbnail'}
      // Set through the DOM, which the strict CSP allows (no style attribute in markup).
      style={{
        width: `${(thumbnail.width * scale) / PX_PER_REM}rem`,
        aspectRatio: `${thumbnail.width} / ${thumbnail.height}`,
      }}
    >
      {typeof state === 'object' ? (
        <img
          src={state.url}
          alt={t('attachments.thumbnailAlt', { name })}
          width={thumbnail.width}
          height={thumbnail.height}
        />
      ) : state === 'failed' ? (
        <span className="attachment-thumbnail-note">{t('attachments.thumbnailUnavailable')}</span>
      ) : null}
    </span>
  );
}
