import type { CiphersuiteImpl, ClientState, KeyPackage } from 'ts-mls';
import { verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { base64urlEncode } from '../base64url.js';
import { checkKeyPackageLifetime } from './key-packages.js';
import { MlsGroupError } from './mls-group-error.js';

/*
 * Key packages to add are checked here one at a time before ts-mls sees them. ts-mls 1.6.4
 * validates the adds of a commit concurrently, and when two of them fail, the second failure is
 * left unhandled: an unhandled rejection, which ends a Node process by default. So every failure
 * a server can provoke with the packages it hands out (expired, duplicate, badly signed) is found
 * here first, in order. Credentials are checked by ts-mls through the operation's
 * authentication session, which records refusals instead of failing (authentication-service.ts).
 */

const keyText = (bytes: Uint8Array): string => base64urlEncode(bytes);

function leafSignatureKeys(state: ClientState): Set<string> {
  const keys = new Set<string>();
  for (const node of state.ratchetTree) {
    if (node?.nodeType === 'leaf') keys.add(keyText(node.leaf.signaturePublicKey));
  }
  return keys;
}

/** Refuses the first key package that ts-mls would refuse when committing its add. */
export async function checkKeyPackagesToAdd(
  state: ClientState,
  keyPackages: readonly KeyPackage[],
  cs: CiphersuiteImpl,
): Promise<void> {
  const signatureKeys = leafSignatureKeys(state);
  for (const keyPackage of keyPackages) {
    checkKeyPackageLifetime(keyPackage);
    const { leafNode } = keyPackage;
    const signatureKey = keyText(leafNode.signaturePublicKey);
    if (signatureKeys.has(signatureKey)) {
      throw new MlsGroupError('invalid_request', 'a device in the group or added twice');
    }
    signatureKeys.add(signatureKey);
    const isSigned =
      (await verifyLeafNodeSignatureKeyPackage(leafNode, cs.signature)) &&
      (await verifyKeyPackage(keyPackage, cs.signature));
    if (!isSigned) throw new MlsGroupError('message_rejected', 'key package signature is invalid');
  }
}
