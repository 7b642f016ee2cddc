/*
 * Shared setup of the MLS tests (not exported from the package): users with identity keys,
 * devices with their own pins and key package store, and groups built through the public API.
 */
import {
  DeviceAuthenticationService,
  type DeviceAuthenticationServiceOptions,
} from './authentication-service.js';
import type { MlsCiphersuiteId } from './ciphersuite.js';
import { createDevice, type Device } from './device.js';
import { createGroup, joinFromWelcome } from './group-join.js';
import { generateIdentityKey, type IdentityKeyPair } from './identity-key.js';
import { InMemoryIdentityKeyPins } from './identity-key-pins.js';
import { InMemoryKeyPackageStore } from './key-package-store.js';
import { generateKeyPackages } from './key-packages.js';
import type { MlsGroup } from './mls-group.js';
import { uuidToBytes } from './uuid.js';

export const TEST_ORGANIZATION_ID = '0b9f4a4e-6a39-4c1e-9a53-2f0e6c1d7a10';

export interface TestUser {
  readonly userId: string;
  readonly identityKey: IdentityKeyPair;
}

export interface KeyChange {
  readonly userId: string;
  readonly pinnedKey: Uint8Array;
  readonly presentedKey: Uint8Array;
}

/** One device of a user, with its own client-side state. */
export interface TestClient {
  readonly user: TestUser;
  readonly device: Device;
  readonly pins: InMemoryIdentityKeyPins;
  readonly keyChanges: KeyChange[];
  readonly auth: DeviceAuthenticationService;
  readonly keyPackages: InMemoryKeyPackageStore;
}

export function newUser(): TestUser {
  return { userId: crypto.randomUUID(), identityKey: generateIdentityKey() };
}

export function newAuth(
  pins: InMemoryIdentityKeyPins,
  keyChanges: KeyChange[],
  organizationId: string = TEST_ORGANIZATION_ID,
): DeviceAuthenticationService {
  const options: DeviceAuthenticationServiceOptions = {
    organizationId,
    pins,
    onKeyChange: (userId, pinnedKey, presentedKey) =>
      keyChanges.push({ userId, pinnedKey, presentedKey }),
  };
  return new DeviceAuthenticationService(options);
}

export function newClient(
  user: TestUser = newUser(),
  options: { organizationId?: string; identityKey?: IdentityKeyPair } = {},
): TestClient {
  const organizationId = options.organizationId ?? TEST_ORGANIZATION_ID;
  const device = createDevice(options.identityKey ?? user.identityKey, {
    organizationId,
    userId: user.userId,
    deviceId: crypto.randomUUID(),
  });
  const pins = new InMemoryIdentityKeyPins();
  const keyChanges: KeyChange[] = [];
  return {
    user,
    device,
    pins,
    keyChanges,
    auth: newAuth(pins, keyChanges, organizationId),
    keyPackages: new InMemoryKeyPackageStore(),
  };
}

export async function keyPackageOf(
  client: TestClient,
  ciphersuite: MlsCiphersuiteId,
): Promise<Uint8Array> {
  const [keyPackage] = await generateKeyPackages(client.device, 1, {
    ciphersuite,
    lastResort: false,
    store: client.keyPackages,
  });
  if (keyPackage === undefined) throw new Error('no key package generated');
  return keyPackage;
}

export function newGroupId(): Uint8Array {
  const bytes = uuidToBytes(crypto.randomUUID());
  if (bytes === null) throw new Error('randomUUID returned no UUID');
  return bytes;
}

/** A group made by the first client, which adds the others in one commit; one view per client. */
export async function groupOf(
  ciphersuite: MlsCiphersuiteId,
  clients: readonly TestClient[],
): Promise<MlsGroup[]> {
  const [creator, ...joiners] = clients;
  if (creator === undefined) throw new Error('a group needs a creator');
  const created = await createGroup({
    groupId: newGroupId(),
    ciphersuite,
    device: creator.device,
    authService: creator.auth,
  });
  if (joiners.length === 0) return [created];
  const keyPackages = await Promise.all(joiners.map((c) => keyPackageOf(c, ciphersuite)));
  const { welcome, ratchetTree, newGroup } = await created.commitAdd(keyPackages);
  const joined = await Promise.all(
    joiners.map((c) =>
      joinFromWelcome({
        welcome,
        ratchetTree,
        keyPackages: c.keyPackages,
        device: c.device,
        authService: c.auth,
      }),
    ),
  );
  return [newGroup, ...joined];
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
export const readText = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
