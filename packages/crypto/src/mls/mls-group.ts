import { createApplicationMessage, mlsExporter } from 'ts-mls';
import type { MlsCiphersuiteId } from './ciphersuite.js';
import { commitAddState, commitRemoveState, type CommitState } from './group-commit.js';
import {
  epochOf,
  isRemoved,
  membersOf,
  settle,
  type GroupCore,
  type GroupMember,
} from './group-core.js';
import { processMessageBytes, type ProcessOptions } from './group-process.js';
import { encodeGroupStateBytes } from './group-state-codec.js';
import { MlsGroupError } from './mls-group-error.js';
import { MLS_LIMITS, encodeMessage } from './mls-message-codec.js';

/*
 * One device's view of one MLS group (a conversation). Immutable like ts-mls's state: every
 * operation that changes the group returns a new MlsGroup, which the caller persists (export())
 * once the delivery service accepted what it sent; the old object stays valid and unchanged.
 */

/** MLS exporter labels; each names one use of a key exported from the group's epoch. */
export const MLS_EXPORTER_LABELS = {
  /** RFC 9605 section 5.2: the SFrame base key of a call keyed from this group. */
  sframe: 'SFrame 1.0 Base Key',
} as const;
export type MlsExporterLabel = (typeof MLS_EXPORTER_LABELS)[keyof typeof MLS_EXPORTER_LABELS];
const MAX_EXPORT_BYTES = 255;

export type ProcessedMessage =
  | {
      readonly kind: 'application';
      readonly plaintext: Uint8Array;
      readonly authenticatedData: Uint8Array;
      readonly sender: GroupMember;
      readonly newGroup: MlsGroup;
    }
  | {
      readonly kind: 'commit';
      readonly committer: GroupMember | null;
      readonly added: readonly GroupMember[];
      readonly removed: readonly GroupMember[];
      readonly newEpoch: number;
      readonly isSelfRemoved: boolean;
      readonly newGroup: MlsGroup;
    };

export type CommitResult = Omit<CommitState, 'newState'> & { readonly newGroup: MlsGroup };
export type AddCommitResult = CommitResult & { readonly welcome: Uint8Array };

export class MlsGroup {
  /** Internal: groups come from createGroup, joinFromWelcome, joinExternal or importGroup. */
  constructor(private readonly core: GroupCore) {}

  get groupId(): Uint8Array {
    return this.core.state.groupContext.groupId.slice();
  }

  get epoch(): number {
    return epochOf(this.core.state);
  }

  get ciphersuite(): MlsCiphersuiteId {
    return this.core.ciphersuite;
  }

  get ownLeafIndex(): number {
    return this.core.state.privatePath.leafIndex;
  }

  /** True once a commit removed this device; the group then neither sends nor reads. */
  get isRemoved(): boolean {
    return isRemoved(this.core.state);
  }

  members(): GroupMember[] {
    return membersOf(this.core.state);
  }

  async encrypt(
    plaintext: Uint8Array,
    authenticatedData: Uint8Array = new Uint8Array(),
  ): Promise<{ bytes: Uint8Array; newGroup: MlsGroup }> {
    if (this.isRemoved) {
      throw new MlsGroupError('removed_from_group', 'this device was removed from the group');
    }
    const { state, cs, auth } = this.core;
    let result;
    try {
      result = await createApplicationMessage(state, plaintext, cs, authenticatedData);
    } catch (error) {
      throw new MlsGroupError('invalid_group_state', 'cannot encrypt in this state', {
        cause: error,
      });
    }
    const bytes = encodeMessage({
      wireformat: 'mls_private_message',
      privateMessage: result.privateMessage,
    });
    if (bytes.length > MLS_LIMITS.applicationMessageMaxBytes) {
      throw new MlsGroupError('message_too_large', 'message exceeds the application message limit');
    }
    return { bytes, newGroup: this.with(settle(result.newState, auth)) };
  }

  /** An application message or a commit of this group's current epoch. */
  async process(bytes: Uint8Array, options: ProcessOptions = {}): Promise<ProcessedMessage> {
    const { newState, ...result } = await processMessageBytes(this.core, bytes, options);
    return { ...result, newGroup: this.with(newState) };
  }

  /** Adds devices by their key packages (wire format mls_key_package). */
  async commitAdd(keyPackages: readonly Uint8Array[]): Promise<AddCommitResult> {
    const { newState, ...result } = await commitAddState(this.core, keyPackages);
    return { ...result, newGroup: this.with(newState) };
  }

  async commitRemove(deviceIds: readonly string[]): Promise<CommitResult> {
    const { newState, ...result } = await commitRemoveState(this.core, deviceIds);
    return { ...result, newGroup: this.with(newState) };
  }

  /** MLS-Exporter(label, context, length) of the current epoch (RFC 9420 section 8.5). */
  async exporter(
    label: MlsExporterLabel,
    context: Uint8Array,
    length: number,
  ): Promise<Uint8Array> {
    if (!Number.isInteger(length) || length < 1 || length > MAX_EXPORT_BYTES) {
      throw new MlsGroupError('invalid_request', `length must be 1 to ${MAX_EXPORT_BYTES}`);
    }
    const { state, cs } = this.core;
    return mlsExporter(state.keySchedule.exporterSecret, label, context, length, cs);
  }

  /** The full private state (secrets included): store it only encrypted. */
  export(): Uint8Array {
    return encodeGroupStateBytes(this.core.state);
  }

  private with(state: GroupCore['state']): MlsGroup {
    return new MlsGroup({ ...this.core, state });
  }
}
