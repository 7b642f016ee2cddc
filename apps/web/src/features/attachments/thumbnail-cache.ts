import type { MessagingClient } from '@amtsbote/client';

/*
 * Decrypted thumbnails as Blobs, so that a row the timeline unmounts and mounts again while
 * scrolling does not fetch and decrypt its thumbnail again. Bounded: the oldest go first.
 * Object URLs are not kept here; each shown image makes its own and revokes it.
 */

const DEFAULT_MAX_ENTRIES = 200;

export type ThumbnailLoader = Pick<MessagingClient, 'attachmentThumbnail'>;

export class ThumbnailCache {
  readonly #loader: ThumbnailLoader;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Promise<Blob | null>>();

  constructor(loader: ThumbnailLoader, maxEntries = DEFAULT_MAX_ENTRIES) {
    this.#loader = loader;
    this.#maxEntries = maxEntries;
  }

  /** The thumbnail of a message's attachment; null when it has none. A failure is not kept. */
  get(conversationId: string, messageId: string, index: number): Promise<Blob | null> {
    const key = `${conversationId}/${messageId}/${index}`;
    const cached = this.#entries.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const loading = this.#loader
      .attachmentThumbnail(conversationId, messageId, index)
      .then((found) =>
        found === null
          ? null
          : new Blob([found.bytes as Uint8Array<ArrayBuffer>], { type: found.thumbnail.mediaType }),
      );
    loading.catch(() => this.#entries.delete(key));
    this.#entries.set(key, loading);
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
    return loading;
  }
}
