import {
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  defaultPaddingConfig,
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type GroupState,
} from 'ts-mls';
import { decodeDeviceCredential } from './device-credential.js';
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

export function clientConfig(authService: AuthenticationService): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
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
  let result: T;
  try {
    result = await operation(clientConfig(session));
  } catch (error) {
    if (error instanceof MlsGroupError) throw error;
    if (session.rejections.length > 0) {
      throw new MlsGroupError('member_rejected', 'a member’s credential was refused', {
        cause: error,
        rejections: session.rejections,
      });
    }
    throw new MlsGroupError(failureCode, errorMessage(error), { cause: error });
  }
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
    decoded = decodeDeviceCredential(credential.identity);
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
    identityPublicKey: decoded.identityPublicKey,
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

function memberKey(member: GroupMember): string {
  return `${member.leafIndex}/${member.deviceId}`;
}

/** Members present after but not before, and before but not after. */
export function diffMembers(
  before: readonly GroupMember[],
  after: readonly GroupMember[],
): { added: GroupMember[]; removed: GroupMember[] } {
  const beforeKeys = new Set(before.map(memberKey));
  const afterKeys = new Set(after.map(memberKey));
  return {
    added: after.filter((m) => !beforeKeys.has(memberKey(m))),
    removed: before.filter((m) => !afterKeys.has(memberKey(m))),
  };
}
