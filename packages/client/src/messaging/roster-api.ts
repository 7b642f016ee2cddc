import { base64urlDecode, base64urlEncode } from '@amtsbote/crypto';
import { groupInfoResponseSchema, submitCommitResponseSchema } from '@amtsbote/protocol';
import { z } from 'zod';
import type { HttpApi } from '../http-api.js';
import type { Position } from './messaging-api.js';

/* The delivery service's endpoints for roster reconciliation (ADR 0008): external joins, leave. */

export interface PublicGroupState {
  readonly epoch: number;
  /** Null while no commit published it (a conversation whose creator is alone). */
  readonly groupInfo: Uint8Array | null;
  readonly ratchetTree: Uint8Array | null;
}

export interface ExternalCommitSubmission {
  readonly epoch: number;
  readonly commit: Uint8Array;
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
}

const noContentSchema = z.null();
const path = (conversationId: string, rest: string): string =>
  `/api/conversations/${encodeURIComponent(conversationId)}/${rest}`;

export class RosterApi {
  readonly #http: HttpApi;

  constructor(http: HttpApi) {
    this.#http = http;
  }

  async groupInfo(conversationId: string): Promise<PublicGroupState> {
    const state = await this.#http.request(
      'GET',
      path(conversationId, 'group-info'),
      undefined,
      groupInfoResponseSchema,
    );
    return {
      epoch: state.epoch,
      groupInfo: state.groupInfo === null ? null : base64urlDecode(state.groupInfo),
      ratchetTree: state.ratchetTree === null ? null : base64urlDecode(state.ratchetTree),
    };
  }

  async submitExternalCommit(
    conversationId: string,
    commit: ExternalCommitSubmission,
  ): Promise<Position> {
    return this.#http.request(
      'POST',
      path(conversationId, 'external-commits'),
      {
        epoch: commit.epoch,
        commit: base64urlEncode(commit.commit),
        groupInfo: base64urlEncode(commit.groupInfo),
        ratchetTree: base64urlEncode(commit.ratchetTree),
      },
      submitCommitResponseSchema,
    );
  }

  async leave(conversationId: string, successorUserId: string | null): Promise<void> {
    await this.#http.request(
      'POST',
      path(conversationId, 'leave'),
      successorUserId === null ? {} : { successorUserId },
      noContentSchema,
    );
  }
}
