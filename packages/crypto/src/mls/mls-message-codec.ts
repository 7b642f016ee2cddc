import {
  decodeMlsMessage,
  encodeMlsMessage,
  type MLSMessage,
  type MlsMessageContent,
  type RatchetTree,
} from 'ts-mls';
import { decodeRatchetTree, encodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { MlsGroupError } from './mls-group-error.js';

/*
 * Size limits of MLS objects, equal to those of packages/protocol (messaging.ts), which this
 * package does not depend on. Every decoder here is strict: the whole input must be one object.
 */
export const MLS_LIMITS = {
  keyPackageMaxBytes: 8 * 1024,
  commitMaxBytes: 8 * 1024 * 1024,
  welcomeMaxBytes: 4 * 1024 * 1024,
  groupInfoMaxBytes: 1024 * 1024,
  ratchetTreeMaxBytes: 8 * 1024 * 1024,
  applicationMessageMaxBytes: 64 * 1024,
} as const;

/** What process() accepts: a commit or an application message. */
export const MAX_PROCESSED_MESSAGE_BYTES = Math.max(
  MLS_LIMITS.commitMaxBytes,
  MLS_LIMITS.applicationMessageMaxBytes,
);

type Wireformat = MlsMessageContent['wireformat'];
type MessageOf<W extends Wireformat> = MLSMessage & { wireformat: W };

/** Refuses bytes over a limit with message_too_large (before decoding, or before sending). */
export function checkSize(bytes: Uint8Array, maxBytes: number, what: string): void {
  if (bytes.length > maxBytes) {
    throw new MlsGroupError('message_too_large', `${what} exceeds ${maxBytes} bytes`);
  }
}

/** Any MLSMessage, strictly decoded. */
export function decodeMessage(bytes: Uint8Array, maxBytes: number, what: string): MLSMessage {
  checkSize(bytes, maxBytes, what);
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (error) {
    throw new MlsGroupError('malformed_message', `${what} does not decode`, { cause: error });
  }
  if (decoded === undefined)
    throw new MlsGroupError('malformed_message', `${what} does not decode`);
  const [message, offset] = decoded;
  if (offset !== bytes.length) {
    throw new MlsGroupError('malformed_message', `${what} has trailing bytes`);
  }
  if (message.version !== 'mls10') {
    throw new MlsGroupError('unsupported_message', `${what} is not MLS 1.0`);
  }
  return message;
}

export function decodeMessageOf<W extends Wireformat>(
  bytes: Uint8Array,
  wireformat: W,
  maxBytes: number,
  what: string,
): MessageOf<W> {
  const message = decodeMessage(bytes, maxBytes, what);
  if (message.wireformat !== wireformat) {
    throw new MlsGroupError('unsupported_message', `${what} is a ${message.wireformat}`);
  }
  return message as MessageOf<W>;
}

export function encodeMessage(content: MlsMessageContent): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', ...content });
}

export function decodeTree(bytes: Uint8Array): RatchetTree {
  checkSize(bytes, MLS_LIMITS.ratchetTreeMaxBytes, 'ratchet tree');
  let decoded: [RatchetTree, number] | undefined;
  try {
    decoded = decodeRatchetTree(bytes, 0);
  } catch (error) {
    throw new MlsGroupError('malformed_message', 'ratchet tree does not decode', { cause: error });
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new MlsGroupError('malformed_message', 'ratchet tree does not decode');
  }
  return decoded[0];
}

export function encodeTree(tree: RatchetTree): Uint8Array {
  return encodeRatchetTree(tree);
}
