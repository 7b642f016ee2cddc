import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import {
  historyPageResponseSchema,
  putHistoryBlockResponseSchema,
  type PutHistoryBlockResponse,
} from '@amtsbote/protocol';
import type { HttpApi } from '../http-api.js';

/* The history backup endpoints; bytes as Uint8Array here, base64url on the wire. */

export interface StoredHistoryBlock {
  readonly block: number;
  readonly revision: number;
  readonly sealed: Uint8Array;
}

export class HistoryApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  async putBlock(
    conversationId: string,
    block: number,
    sealed: Uint8Array,
    expectedRevision: number,
  ): Promise<PutHistoryBlockResponse> {
    return this.#http.request(
      'PUT',
      `/api/me/history/${encodeURIComponent(conversationId)}/blocks/${block}`,
      { ciphertext: base64urlEncode(sealed), expectedRevision },
      putHistoryBlockResponseSchema,
    );
  }

  /** The user's blocks of the conversation below `before` (all when null), newest first. */
  async page(
    conversationId: string,
    before: number | null,
    limit: number | null = null,
  ): Promise<{ blocks: StoredHistoryBlock[]; hasMore: boolean }> {
    const params = new URLSearchParams();
    if (before !== null) params.set('before', String(before));
    if (limit !== null) params.set('limit', String(limit));
    const query = params.toString() === '' ? '' : `?${params.toString()}`;
    const page = await this.#http.request(
      'GET',
      `/api/me/history/${encodeURIComponent(conversationId)}${query}`,
      undefined,
      historyPageResponseSchema,
    );
    return {
      blocks: page.blocks.map((b) => ({
        block: b.block,
        revision: b.revision,
        sealed: base64urlDecode(b.ciphertext),
      })),
      hasMore: page.hasMore,
    };
  }

  async block(conversationId: string, block: number): Promise<StoredHistoryBlock | null> {
    const { blocks } = await this.page(conversationId, block + 1, 1);
    return blocks.find((b) => b.block === block) ?? null;
  }
}
