import {
  emptyPskIndex,
  processMessage,
  processPrivateMessage,
  type ClientState,
  type IncomingMessageCallback,
  type MlsPrivateMessage,
  type MlsPublicMessage,
  type PrivateMessage,
  type PublicMessage,
} from 'ts-mls';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { constantTimeEqual } from '../constant-time.js';
import { decodeDeviceCredential } from './device-credential.js';
import {
  authenticated,
  epochOf,
  isRemoved,
  memberAt,
  membershipChange,
  membersOf,
  settle,
  type GroupCore,
  type GroupMember,
} from './group-core.js';
import { MlsGroupError, assertNever } from './mls-group-error.js';
import { MAX_PROCESSED_MESSAGE_BYTES, decodeMessage } from './mls-message-codec.js';

/*
 * Receiving: application messages and commits, each checked against this group's id and epoch
 * before any cryptography, and refused with a typed error that leaves the state as it was.
 */

export type ProcessedMessageState =
  | {
      readonly kind: 'application';
      readonly plaintext: Uint8Array;
      readonly authenticatedData: Uint8Array;
      readonly sender: GroupMember;
      readonly newState: ClientState;
    }
  | {
      readonly kind: 'commit';
      /** The member who committed; for an external commit, the joining device. */
      readonly committer: GroupMember | null;
      readonly added: readonly GroupMember[];
      readonly removed: readonly GroupMember[];
      readonly newEpoch: number;
      /** This device was removed by the commit; the group can read nothing more. */
      readonly isSelfRemoved: boolean;
      readonly newState: ClientState;
    };

type Header = { readonly groupId: Uint8Array; readonly epoch: bigint };

function checkHeader(state: ClientState, header: Header): void {
  if (!constantTimeEqual(header.groupId, state.groupContext.groupId)) {
    throw new MlsGroupError('wrong_group', 'message of another group');
  }
  if (isRemoved(state)) {
    throw new MlsGroupError('removed_from_group', 'this device was removed from the group');
  }
  if (header.epoch < state.groupContext.epoch) {
    throw new MlsGroupError('stale_epoch', `message of past epoch ${header.epoch}`);
  }
  if (header.epoch > state.groupContext.epoch) {
    throw new MlsGroupError('future_epoch', `message of future epoch ${header.epoch}`);
  }
}

async function senderLeafOf(
  core: GroupCore,
  message: PrivateMessage,
): Promise<{
  leafIndex: number;
  generation: number;
}> {
  let senderData;
  try {
    senderData = await decryptSenderData(message, core.state.keySchedule.senderDataSecret, core.cs);
  } catch (error) {
    throw new MlsGroupError('message_rejected', 'sender data does not decrypt', { cause: error });
  }
  if (senderData === undefined) {
    throw new MlsGroupError('message_rejected', 'sender data does not decrypt');
  }
  return senderData;
}

/** Why ts-mls refused an application message: a consumed key (replay) or anything else. */
async function refusal(
  core: GroupCore,
  message: PrivateMessage,
  cause: unknown,
): Promise<MlsGroupError> {
  const { leafIndex, generation } = await senderLeafOf(core, message);
  const ratchet = core.state.secretTree[leafIndex * 2]?.application;
  const isConsumed =
    ratchet !== undefined &&
    generation < ratchet.generation &&
    ratchet.unusedGenerations[generation] === undefined;
  return isConsumed
    ? new MlsGroupError('message_replayed', 'the key of this message was already used', { cause })
    : new MlsGroupError('message_rejected', 'application message refused', { cause });
}

/**
 * The sender's leaf, read from which leaf's ratchet ts-mls advanced (it replaces exactly that
 * entry of the secret tree); decrypting the sender data a second time would cost a quarter of
 * processing. Falls back to that decryption if the secret tree does not show a single change.
 */
async function senderLeafAfter(
  core: GroupCore,
  message: PrivateMessage,
  after: ClientState,
): Promise<number> {
  const before = core.state.secretTree;
  const changed: number[] = [];
  for (let nodeIndex = 0; nodeIndex < before.length; nodeIndex += 2) {
    if (after.secretTree[nodeIndex] !== before[nodeIndex]) changed.push(nodeIndex / 2);
  }
  const [leafIndex] = changed;
  if (changed.length === 1 && leafIndex !== undefined) return leafIndex;
  return (await senderLeafOf(core, message)).leafIndex;
}

async function processApplication(
  core: GroupCore,
  message: PrivateMessage,
): Promise<ProcessedMessageState> {
  let result;
  try {
    result = await processPrivateMessage(core.state, message, emptyPskIndex, core.cs);
  } catch (error) {
    throw await refusal(core, message, error);
  }
  if (result.kind !== 'applicationMessage') {
    throw new MlsGroupError('message_rejected', 'not an application message');
  }
  // ts-mls verified the signature with this leaf's key, so the leaf is the authenticated sender.
  const sender = memberAt(core.state, await senderLeafAfter(core, message, result.newState));
  if (sender === null) throw new MlsGroupError('message_rejected', 'sender is not a member');
  return {
    kind: 'application',
    plaintext: result.message,
    authenticatedData: message.authenticatedData,
    sender,
    newState: settle(result.newState, core.auth),
  };
}

/** Only membership changes are accepted; path-only commits (key updates) carry no proposals. */
const acceptMembershipChanges: IncomingMessageCallback = (incoming) => {
  if (incoming.kind !== 'commit') return 'reject';
  const isMemberCommit = incoming.senderLeafIndex !== undefined;
  const allowed = isMemberCommit ? ['add', 'remove'] : ['external_init', 'remove'];
  return incoming.proposals.every(({ proposal }) => allowed.includes(String(proposal.proposalType)))
    ? 'accept'
    : 'reject';
};

/** The device an external commit brings in, as its credential names it (verified next). */
export interface ExternalJoiner {
  readonly userId: string;
  readonly deviceId: string;
}

export interface ProcessOptions {
  /**
   * Decides on an external commit by a device whose user has no device in the group yet (a
   * member the roster added, or whose devices were all removed). Without it such a commit is
   * refused. A user with a device in the group may always bring in another device of theirs.
   * Members must decide alike, or the group splits: base it on what every member can see.
   */
  readonly admitsNewUser?: (joiner: ExternalJoiner) => Promise<boolean>;
}

/**
 * An external commit may only bring in another device of a user who already has one in the
 * group (a user's new device), or of a user the caller admits (options.admitsNewUser),
 * optionally replacing that same device's old leaf. Without this, whoever holds the GroupInfo
 * (the server) could join a user of its choosing.
 */
async function checkExternalJoin(
  state: ClientState,
  message: PublicMessage,
  options: ProcessOptions,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new MlsGroupError('external_join_refused', why);
  };
  const content = message.content;
  if (content.contentType !== 'commit') return refuse('not a commit');
  const path = content.commit.path;
  if (path === undefined) return refuse('external commit without path');
  if (path.leafNode.credential.credentialType !== 'basic') return refuse('not a device credential');
  let joiner;
  try {
    joiner = decodeDeviceCredential(path.leafNode.credential.identity);
  } catch {
    return refuse('not a device credential');
  }
  const members = membersOf(state);
  let initCount = 0;
  for (const item of content.commit.proposals) {
    if (item.proposalOrRefType !== 'proposal') return refuse('proposal by reference');
    const { proposal } = item;
    if (proposal.proposalType === 'external_init') initCount += 1;
    else if (proposal.proposalType === 'remove') {
      const removed = members.find((m) => m.leafIndex === proposal.remove.removed);
      if (removed?.deviceId !== joiner.deviceId) return refuse('removes another device');
    } else return refuse('unexpected proposal');
  }
  if (initCount !== 1) return refuse('needs exactly one external_init');
  const stays = members.some(
    (m) =>
      m.deviceId === joiner.deviceId &&
      !content.commit.proposals.some(
        (p) =>
          p.proposalOrRefType === 'proposal' &&
          p.proposal.proposalType === 'remove' &&
          p.proposal.remove.removed === m.leafIndex,
      ),
  );
  if (stays) return refuse('the device is already a member');
  if (members.some((m) => m.userId === joiner.userId)) return;
  // Asked last: the policy may cost a request, and only a well-formed join deserves one.
  const isAdmitted =
    options.admitsNewUser !== undefined &&
    (await options.admitsNewUser({ userId: joiner.userId, deviceId: joiner.deviceId }));
  if (!isAdmitted) refuse('the joining user has no device in the group');
}

async function processCommit(
  core: GroupCore,
  message: MlsPrivateMessage | MlsPublicMessage,
): Promise<ProcessedMessageState> {
  const { state } = core;
  const committerLeaf =
    message.wireformat === 'mls_private_message'
      ? (await senderLeafOf(core, message.privateMessage)).leafIndex
      : null;
  const result = await authenticated(core.auth, 'message_rejected', (config) =>
    processMessage(
      message,
      { ...state, clientConfig: config },
      emptyPskIndex,
      acceptMembershipChanges,
      core.cs,
    ),
  );
  if (result.kind !== 'newState') throw new MlsGroupError('message_rejected', 'not a commit');
  if (result.actionTaken === 'reject') {
    throw new MlsGroupError('commit_refused', 'commit carries proposals other than add and remove');
  }
  const newState = settle(result.newState, core.auth);
  const { added, removed } = membershipChange(state, newState);
  const committer = committerLeaf === null ? (added[0] ?? null) : memberAt(state, committerLeaf);
  return {
    kind: 'commit',
    committer: committer ?? null,
    added,
    removed,
    newEpoch: epochOf(state) + 1,
    isSelfRemoved: isRemoved(newState),
    newState,
  };
}

export async function processMessageBytes(
  core: GroupCore,
  bytes: Uint8Array,
  options: ProcessOptions = {},
): Promise<ProcessedMessageState> {
  const message = decodeMessage(bytes, MAX_PROCESSED_MESSAGE_BYTES, 'message');
  switch (message.wireformat) {
    case 'mls_private_message': {
      const { privateMessage } = message;
      checkHeader(core.state, privateMessage);
      if (privateMessage.contentType === 'application') {
        return processApplication(core, privateMessage);
      }
      if (privateMessage.contentType === 'commit') return processCommit(core, message);
      throw new MlsGroupError('unsupported_message', 'standalone proposals are not accepted');
    }
    case 'mls_public_message': {
      const { publicMessage } = message;
      checkHeader(core.state, publicMessage.content);
      if (publicMessage.content.sender.senderType !== 'new_member_commit') {
        throw new MlsGroupError('unsupported_message', 'only external commits may be public');
      }
      await checkExternalJoin(core.state, publicMessage, options);
      return processCommit(core, message);
    }
    case 'mls_welcome':
    case 'mls_group_info':
    case 'mls_key_package':
      throw new MlsGroupError('unsupported_message', `a ${message.wireformat} is not processed`);
    default:
      return assertNever(message);
  }
}
