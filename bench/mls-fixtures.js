/*
 * Setup of the MLS benchmarks: devices of one organization, each with its own pins and key
 * package store, through the public entry of the BUILT @amtsbote/crypto (dist), and the same
 * through ts-mls directly for the naive peer. Nothing here is timed.
 */
import {
  DeviceAuthenticationService,
  InMemoryIdentityKeyPins,
  InMemoryKeyPackageStore,
  MLS_CIPHERSUITES,
  createDevice,
  createGroup,
  generateIdentityKey,
  generateKeyPackages,
  joinFromWelcome,
} from '@amtsbote/crypto';
import {
  createGroup as tsMlsCreateGroup,
  defaultCapabilities,
  defaultLifetime,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';

const ORGANIZATION_ID = '0b9f4a4e-6a39-4c1e-9a53-2f0e6c1d7a10';

const TS_MLS_NAMES = {
  xwing: 'MLS_256_XWING_AES256GCM_SHA512_Ed25519',
  classic: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
};

export const CIPHERSUITE_NAMES = Object.keys(TS_MLS_NAMES);

export function ciphersuiteId(name) {
  const id = MLS_CIPHERSUITES[name];
  if (id === undefined) throw new Error(`unknown ciphersuite ${name} (xwing or classic)`);
  return id;
}

/** One device of a new user, with its own client-side state. */
export function newClient() {
  const pins = new InMemoryIdentityKeyPins();
  return {
    device: createDevice(generateIdentityKey(), {
      organizationId: ORGANIZATION_ID,
      userId: crypto.randomUUID(),
      deviceId: crypto.randomUUID(),
    }),
    auth: new DeviceAuthenticationService({
      organizationId: ORGANIZATION_ID,
      pins,
      onKeyChange: () => undefined,
    }),
    keyPackages: new InMemoryKeyPackageStore(),
  };
}

export async function keyPackageOf(client, ciphersuite) {
  const [keyPackage] = await generateKeyPackages(client.device, 1, {
    ciphersuite,
    lastResort: false,
    store: client.keyPackages,
  });
  return keyPackage;
}

function newGroupId() {
  return crypto.getRandomValues(new Uint8Array(16));
}

export function createFacadeGroup(client, ciphersuite) {
  return createGroup({
    groupId: newGroupId(),
    ciphersuite,
    device: client.device,
    authService: client.auth,
  });
}

export function joinFacadeGroup(client, { welcome, ratchetTree }) {
  return joinFromWelcome({
    welcome,
    ratchetTree,
    keyPackages: client.keyPackages,
    device: client.device,
    authService: client.auth,
  });
}

/** A ts-mls ciphersuite as the README builds it (ts-mls's own signature implementation). */
export function naiveCiphersuite(name) {
  return getCiphersuiteImpl(getCiphersuiteFromName(TS_MLS_NAMES[name]));
}

/** A ts-mls key package with a basic credential, as in the ts-mls README. */
export function naiveKeyPackage(impl, identity) {
  return generateKeyPackage(
    { credentialType: 'basic', identity: new TextEncoder().encode(identity) },
    defaultCapabilities(),
    defaultLifetime,
    [],
    impl,
  );
}

export async function createNaiveGroup(impl) {
  const creator = await naiveKeyPackage(impl, 'creator');
  return tsMlsCreateGroup(newGroupId(), creator.publicPackage, creator.privatePackage, [], impl);
}
