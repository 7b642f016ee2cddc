import {
  createCommit,
  createGroupInfoWithExternalPub,
  type ClientState,
  type KeyPackage,
  type Proposal,
} from 'ts-mls';
import {
  authenticated,
  epochOf,
  isRemoved,
  membersOf,
  membershipChange,
  settle,
  type GroupCore,
  type GroupMember,
} from './group-core.js';
import { checkKeyPackagesToAdd } from './key-package-checks.js';
import { MlsGroupError } from './mls-group-error.js';
import {
  MLS_LIMITS,
  checkSize,
  decodeMessageOf,
  encodeMessage,
  encodeTree,
} from './mls-message-codec.js';

/*
 * Sending commits. The returned state is the group after the commit; the caller keeps it only
 * once the delivery service accepted the commit for this epoch (ADR 0006), and otherwise
 * processes the winning commit and tries again.
 */

/** Equal to the default MLS group-size policy limit of the design. */
export const MAX_MEMBERS_PER_COMMIT = 2000;

export interface CommitState {
  /** The epoch the commit builds on (the delivery service fences on it). */
  readonly epoch: number;
  readonly commit: Uint8Array;
  /** GroupInfo of the new epoch, with external_pub, for devices joining by external commit. */
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly added: readonly GroupMember[];
  readonly removed: readonly GroupMember[];
  readonly newState: ClientState;
}

function checkCanCommit(core: GroupCore): void {
  if (isRemoved(core.state)) {
    throw new MlsGroupError('removed_from_group', 'this device was removed from the group');
  }
}

function checkCount(count: number): void {
  if (count < 1 || count > MAX_MEMBERS_PER_COMMIT) {
    throw new MlsGroupError('invalid_request', `1 to ${MAX_MEMBERS_PER_COMMIT} members per commit`);
  }
}

async function commit(
  core: GroupCore,
  proposals: Proposal[],
  keyPackages: readonly KeyPackage[] = [],
): Promise<{ readonly result: CommitState; readonly welcome: Uint8Array | null }> {
  const { state, cs } = core;
  const result = await authenticated(core.auth, 'invalid_request', async (config) => {
    await checkKeyPackagesToAdd(state, keyPackages, cs);
    const made = await createCommit(
      { state: { ...state, clientConfig: config }, cipherSuite: cs },
      {
        extraProposals: proposals,
      },
    );
    // Refused here, before any pin is written, rather than by every receiver.
    const encoded = {
      commit: encodeMessage(made.commit),
      welcome:
        made.welcome === undefined
          ? null
          : encodeMessage({ wireformat: 'mls_welcome', welcome: made.welcome }),
      ratchetTree: encodeTree(made.newState.ratchetTree),
    };
    checkSize(encoded.commit, MLS_LIMITS.commitMaxBytes, 'commit');
    if (encoded.welcome !== null) {
      checkSize(encoded.welcome, MLS_LIMITS.welcomeMaxBytes, 'Welcome');
    }
    checkSize(encoded.ratchetTree, MLS_LIMITS.ratchetTreeMaxBytes, 'ratchet tree');
    return { newState: made.newState, ...encoded };
  });
  const newState = settle(result.newState, core.auth);
  const groupInfo = await createGroupInfoWithExternalPub(newState, [], cs);
  const { added, removed } = membershipChange(state, newState);
  return {
    result: {
      epoch: epochOf(state),
      commit: result.commit,
      groupInfo: encodeMessage({ wireformat: 'mls_group_info', groupInfo }),
      ratchetTree: result.ratchetTree,
      added,
      removed,
      newState,
    },
    welcome: result.welcome,
  };
}

function decodeKeyPackage(core: GroupCore, bytes: Uint8Array): KeyPackage {
  const { keyPackage } = decodeMessageOf(
    bytes,
    'mls_key_package',
    MLS_LIMITS.keyPackageMaxBytes,
    'key package',
  );
  if (keyPackage.cipherSuite !== core.state.groupContext.cipherSuite) {
    throw new MlsGroupError('unsupported_ciphersuite', 'key package of another ciphersuite');
  }
  return keyPackage;
}

export async function commitAddState(
  core: GroupCore,
  keyPackages: readonly Uint8Array[],
): Promise<CommitState & { readonly welcome: Uint8Array }> {
  checkCanCommit(core);
  checkCount(keyPackages.length);
  const decoded = keyPackages.map((bytes) => decodeKeyPackage(core, bytes));
  const proposals: Proposal[] = decoded.map((keyPackage) => ({
    proposalType: 'add',
    add: { keyPackage },
  }));
  const { result, welcome } = await commit(core, proposals, decoded);
  if (welcome === null) throw new MlsGroupError('invalid_request', 'no Welcome was made');
  return { ...result, welcome };
}

export async function commitRemoveState(
  core: GroupCore,
  deviceIds: readonly string[],
): Promise<CommitState> {
  checkCanCommit(core);
  const unique = [...new Set(deviceIds)];
  checkCount(unique.length);
  const members = membersOf(core.state);
  const ownLeaf = core.state.privatePath.leafIndex;
  const proposals: Proposal[] = unique.map((deviceId) => {
    const member = members.find((m) => m.deviceId === deviceId);
    if (member === undefined) throw new MlsGroupError('unknown_member', 'device is not a member');
    if (member.leafIndex === ownLeaf) {
      throw new MlsGroupError('invalid_request', 'a device cannot remove itself by commit');
    }
    return { proposalType: 'remove', remove: { removed: member.leafIndex } };
  });
  return (await commit(core, proposals)).result;
}
