import {
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type GroupState,
  type KeyPackageEqualityConfig,
} from 'ts-mls';
import { BytesKeyedCache } from './bytes-keyed-cache.js';
import { decodeDeviceCredential, type DeviceCredential } from './device-credential.js';
import type { DeviceAuthenticationService } from './authentication-service.js';
import type { MlsCiphersuiteId } from './ciphersuite.js';
import { MlsGroupError, type MlsGroupErrorCode } from './mls-group-error.js';

/** Everything a group operation needs; internal to this folder. */
export interface GroupCore {
  readonly state: ClientState;
  readonly cs: CiphersuiteImpl;
  readonly ciphersuite: MlsCiphersuiteId;
  readonly auth: DeviceAuthenticationService;
}

export interface GroupMember {
  readonly leafIndex: number;
  readonly organizationId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly identityPublicKey: Uint8Array;
}

/** Equality of public keys, which are not secret, so it may stop at the first differing byte. */
function publicBytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * ts-mls's default, by signature key, without its constant-time comparison: a commit adding M
 * devices compares every pair of key packages (M² comparisons, 10 % of a 1000-device add).
 */
const keyPackageEqualityConfig: KeyPackageEqualityConfig = {
  compareKeyPackages: (a, b) =>
    publicBytesEqual(a.leafNode.signaturePublicKey, b.leafNode.signaturePublicKey),
  compareKeyPackageToLeafNode: (a, b) =>
    publicBytesEqual(a.leafNode.signaturePublicKey, b.signaturePublicKey),
};

export function clientConfig(authService: AuthenticationService): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig,
    paddingConfig: defaultPaddingConfig,
    authService,
  };
}

/**
 * The state as it is kept between operations. Receiver data of past epochs is dropped: process()
 * refuses messages of past epochs, so those keys would only weaken forward secrecy (and ts-mls
 * 1.6.4 cannot retain zero epochs by configuration).
 */
export function settle(state: GroupState, auth: DeviceAuthenticationService): ClientState {
  return { ...state, historicalReceiverData: new Map(), clientConfig: clientConfig(auth) };
}

/**
 * Runs one ts-mls operation with a fresh authentication session: pins of first contacts are
 * written only when the operation succeeds, and a refusal names the refused members.
 */
export async function authenticated<T>(
  auth: DeviceAuthenticationService,
  failureCode: MlsGroupErrorCode,
  operation: (config: ClientConfig) => Promise<T>,
): Promise<T> {
  const session = auth.openSession();
  const refused = (cause?: unknown): MlsGroupError =>
    new MlsGroupError('member_rejected', 'a member’s credential was refused', {
      cause,
      rejections: session.rejections,
    });
  let result: T;
  try {
    result = await operation(clientConfig(session));
  } catch (error) {
    if (error instanceof MlsGroupError) throw error;
    if (session.rejections.length > 0) throw refused(error);
    throw new MlsGroupError(failureCode, errorMessage(error), { cause: error });
  }
  // The session lets ts-mls go on past a refusal (see validateCredential): the result is void.
  if (session.rejections.length > 0) throw refused();
  await session.commit();
  return result;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : 'MLS operation failed';
}

export function epochOf(state: ClientState): number {
  return Number(state.groupContext.epoch);
}

export function isRemoved(state: ClientState): boolean {
  return state.groupActiveState.kind === 'removedFromGroup';
}

/** Credentials decoded once per leaf: the sender of every message is looked up by its leaf. */
const decodedCredentials = new BytesKeyedCache<DeviceCredential>();

function memberFromNode(
  node: ClientState['ratchetTree'][number],
  leafIndex: number,
): GroupMember | null {
  if (node?.nodeType !== 'leaf') return null;
  const { credential } = node.leaf;
  if (credential.credentialType !== 'basic') {
    throw new MlsGroupError('invalid_group_state', 'a member has no device credential');
  }
  let decoded;
  try {
    decoded = decodedCredentials.get(credential.identity, () =>
      decodeDeviceCredential(credential.identity),
    );
  } catch (error) {
    throw new MlsGroupError('invalid_group_state', 'a member has no device credential', {
      cause: error,
    });
  }
  return {
    leafIndex,
    organizationId: decoded.organizationId,
    userId: decoded.userId,
    deviceId: decoded.deviceId,
    identityPublicKey: decoded.identityPublicKey.slice(),
  };
}

/** Members in leaf order, from their (already authenticated) credentials. */
export function membersOf(state: ClientState): GroupMember[] {
  const members: GroupMember[] = [];
  // Leaves sit at the even node indices of the array-represented tree (RFC 9420 appendix C).
  for (let nodeIndex = 0; nodeIndex < state.ratchetTree.length; nodeIndex += 2) {
    const member = memberFromNode(state.ratchetTree[nodeIndex], nodeIndex / 2);
    if (member !== null) members.push(member);
  }
  return members;
}

export function memberAt(state: ClientState, leafIndex: number): GroupMember | null {
  return memberFromNode(state.ratchetTree[leafIndex * 2], leafIndex);
}

/**
 * Members present after but not before, and before but not after, in leaf order. A leaf whose
 * node object is the same in both states is skipped without decoding its credential (ts-mls
 * shares unchanged nodes between states), so a commit in a 1000-device group decodes only the
 * leaves it touched; a leaf that changed but holds the same device (a new path) is no change.
 */
export function membershipChange(
  before: ClientState,
  after: ClientState,
): { added: GroupMember[]; removed: GroupMember[] } {
  const added: GroupMember[] = [];
  const removed: GroupMember[] = [];
  const length = Math.max(before.ratchetTree.length, after.ratchetTree.length);
  for (let nodeIndex = 0; nodeIndex < length; nodeIndex += 2) {
    const previous = before.ratchetTree[nodeIndex];
    const next = after.ratchetTree[nodeIndex];
    if (previous === next) continue;
    const was = memberFromNode(previous, nodeIndex / 2);
    const is = memberFromNode(next, nodeIndex / 2);
    if (was !== null && is !== null && was.deviceId === is.deviceId) continue;
    if (was !== null) removed.push(was);
    if (is !== null) added.push(is);
  }
  return { added, removed };
}
