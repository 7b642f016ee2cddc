import {
  createGroup as createMlsGroup,
  createGroupInfoWithExternalPub,
  emptyPskIndex,
  joinGroup,
  joinGroupExternal,
  type CiphersuiteImpl,
  type CiphersuiteName,
} from 'ts-mls';
import { constantTimeEqual } from '../constant-time.js';
import type { DeviceAuthenticationService } from './authentication-service.js';
import { ciphersuiteIdFromName, loadCiphersuite, type MlsCiphersuiteId } from './ciphersuite.js';
import { deviceMlsCredential, type Device } from './device.js';
import { authenticated, settle } from './group-core.js';
import { decodeGroupStateBytes } from './group-state-codec.js';
import type { KeyPackageStore } from './key-package-store.js';
import { deviceKeyPackage } from './key-packages.js';
import { MlsGroupError } from './mls-group-error.js';
import { MlsGroup } from './mls-group.js';
import {
  MLS_LIMITS,
  decodeMessageOf,
  decodeTree,
  encodeMessage,
  encodeTree,
} from './mls-message-codec.js';
import { uuidToBytes } from './uuid.js';

/** An MLS group id is the 16 bytes of the conversation's UUID. */
export const GROUP_ID_BYTES = 16;

export function groupIdFromConversationId(conversationId: string): Uint8Array {
  const bytes = uuidToBytes(conversationId);
  if (bytes === null) throw new MlsGroupError('invalid_request', 'conversation id is not a UUID');
  return bytes;
}

async function suiteOf(
  name: CiphersuiteName,
): Promise<{ ciphersuite: MlsCiphersuiteId; cs: CiphersuiteImpl }> {
  const ciphersuite = ciphersuiteIdFromName(name);
  if (ciphersuite === null) {
    throw new MlsGroupError('unsupported_ciphersuite', `ciphersuite ${name} is not allowed`);
  }
  return { ciphersuite, cs: await loadCiphersuite(ciphersuite) };
}

function checkDevice(device: Device, auth: DeviceAuthenticationService): void {
  if (device.credential.organizationId !== auth.organizationId) {
    throw new MlsGroupError('invalid_request', 'device of another organization');
  }
}

function checkGroupId(actual: Uint8Array, expected: Uint8Array | undefined): void {
  if (expected !== undefined && !constantTimeEqual(actual, expected)) {
    throw new MlsGroupError('wrong_group', 'the group is not the expected one');
  }
}

export interface CreateGroupOptions {
  /** The 16 bytes of the conversation UUID. */
  readonly groupId: Uint8Array;
  readonly ciphersuite: MlsCiphersuiteId;
  readonly device: Device;
  /** Carries the organization the group belongs to. */
  readonly authService: DeviceAuthenticationService;
}

/** A new group with this device as its only member (epoch 0). */
export async function createGroup(options: CreateGroupOptions): Promise<MlsGroup> {
  const { groupId, device, authService: auth } = options;
  if (groupId.length !== GROUP_ID_BYTES) {
    throw new MlsGroupError('invalid_request', `group id must be ${GROUP_ID_BYTES} bytes`);
  }
  checkDevice(device, auth);
  const cs = await loadCiphersuite(options.ciphersuite);
  const state = await authenticated(auth, 'invalid_request', async (config) => {
    // Our own credential passes the same checks as everyone's (and pins our key on first use).
    if (
      !(await config.authService.validateCredential(
        deviceMlsCredential(device),
        device.signaturePublicKey,
      ))
    ) {
      // Left to authenticated(), which reports it as member_rejected with the reason.
      throw new Error('own device credential refused');
    }
    const { publicPackage, privatePackage } = await deviceKeyPackage(device, cs);
    return createMlsGroup(groupId.slice(), publicPackage, privatePackage, [], cs, config);
  });
  return new MlsGroup({ state: settle(state, auth), cs, ciphersuite: options.ciphersuite, auth });
}

export interface JoinFromWelcomeOptions {
  readonly welcome: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly keyPackages: KeyPackageStore;
  readonly device: Device;
  readonly authService: DeviceAuthenticationService;
  /** When given, a Welcome into any other group is refused. */
  readonly expectedGroupId?: Uint8Array;
}

/** Joins with the key package a Welcome names; a one-time key package is then deleted. */
export async function joinFromWelcome(options: JoinFromWelcomeOptions): Promise<MlsGroup> {
  const { device, authService: auth, keyPackages } = options;
  checkDevice(device, auth);
  const { welcome } = decodeMessageOf(
    options.welcome,
    'mls_welcome',
    MLS_LIMITS.welcomeMaxBytes,
    'Welcome',
  );
  const { ciphersuite, cs } = await suiteOf(welcome.cipherSuite);
  let found = null;
  for (const secret of welcome.secrets) {
    const stored = await keyPackages.get(secret.newMember);
    if (stored !== null) {
      found = { reference: secret.newMember, stored };
      break;
    }
  }
  if (found === null) throw new MlsGroupError('welcome_not_for_us', 'Welcome is for other devices');
  const { keyPackage } = decodeMessageOf(
    found.stored.keyPackage,
    'mls_key_package',
    MLS_LIMITS.keyPackageMaxBytes,
    'stored key package',
  );
  if (!constantTimeEqual(keyPackage.leafNode.signaturePublicKey, device.signaturePublicKey)) {
    throw new MlsGroupError('invalid_request', 'the key package belongs to another device');
  }
  const tree = decodeTree(options.ratchetTree);
  const state = await authenticated(auth, 'welcome_rejected', async (config) => {
    const joined = await joinGroup(
      welcome,
      keyPackage,
      {
        initPrivateKey: found.stored.initPrivateKey,
        hpkePrivateKey: found.stored.hpkePrivateKey,
        signaturePrivateKey: device.signaturePrivateKey,
      },
      emptyPskIndex,
      cs,
      tree,
      undefined,
      config,
    );
    checkGroupId(joined.groupContext.groupId, options.expectedGroupId);
    return joined;
  });
  if (!found.stored.isLastResort) await keyPackages.delete(found.reference);
  return new MlsGroup({ state: settle(state, auth), cs, ciphersuite, auth });
}

export interface JoinExternalOptions {
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly device: Device;
  readonly authService: DeviceAuthenticationService;
  readonly expectedGroupId?: Uint8Array;
}

export interface ExternalJoinResult {
  /** The epoch the commit builds on (the delivery service fences on it). */
  readonly epoch: number;
  readonly commit: Uint8Array;
  /** GroupInfo and ratchet tree of the new epoch, so the next device can join the same way. */
  readonly groupInfo: Uint8Array;
  readonly ratchetTree: Uint8Array;
  readonly newGroup: MlsGroup;
}

/**
 * Joins by external commit (RFC 9420 section 12.4.3.2), so a user's new device can enter a
 * conversation while no member is online. Members accept it for a user already in the group,
 * or one they admit (ProcessOptions.admitsNewUser). The commit is sent like any other; the new
 * group is kept once the server accepted it.
 */
export async function joinExternal(options: JoinExternalOptions): Promise<ExternalJoinResult> {
  const { device, authService: auth } = options;
  checkDevice(device, auth);
  const { groupInfo } = decodeMessageOf(
    options.groupInfo,
    'mls_group_info',
    MLS_LIMITS.groupInfoMaxBytes,
    'GroupInfo',
  );
  checkGroupId(groupInfo.groupContext.groupId, options.expectedGroupId);
  const { ciphersuite, cs } = await suiteOf(groupInfo.groupContext.cipherSuite);
  const tree = decodeTree(options.ratchetTree);
  const isMember = tree.some(
    (node) =>
      node?.nodeType === 'leaf' &&
      constantTimeEqual(node.leaf.signaturePublicKey, device.signaturePublicKey),
  );
  if (isMember) throw new MlsGroupError('invalid_request', 'this device is already a member');
  const { publicPackage, privatePackage } = await deviceKeyPackage(device, cs);
  const result = await authenticated(auth, 'group_info_rejected', (config) =>
    joinGroupExternal(groupInfo, publicPackage, privatePackage, false, cs, tree, config),
  );
  const newState = settle(result.newState, auth);
  const newGroupInfo = await createGroupInfoWithExternalPub(newState, [], cs);
  return {
    epoch: Number(groupInfo.groupContext.epoch),
    commit: encodeMessage({
      wireformat: 'mls_public_message',
      publicMessage: result.publicMessage,
    }),
    groupInfo: encodeMessage({ wireformat: 'mls_group_info', groupInfo: newGroupInfo }),
    ratchetTree: encodeTree(newState.ratchetTree),
    newGroup: new MlsGroup({ state: newState, cs, ciphersuite, auth }),
  };
}

/** A group from export(); the authentication service is supplied again. */
export async function importGroup(
  bytes: Uint8Array,
  authService: DeviceAuthenticationService,
): Promise<MlsGroup> {
  const state = decodeGroupStateBytes(bytes);
  const { ciphersuite, cs } = await suiteOf(state.groupContext.cipherSuite);
  return new MlsGroup({ state: settle(state, authService), cs, ciphersuite, auth: authService });
}
