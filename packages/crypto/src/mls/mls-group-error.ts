import type { CredentialRejection } from './authentication-service.js';

/** Stable codes of every refusal of the MLS facade; the UI and logs key on these. */
export const MLS_GROUP_ERROR_CODES = [
  /** Not one of the ciphersuites Amtsbote allows. */
  'unsupported_ciphersuite',
  /** Bytes that do not decode as the expected MLS object (or carry trailing bytes). */
  'malformed_message',
  'message_too_large',
  /** A valid MLS object this facade does not take here (e.g. a standalone proposal). */
  'unsupported_message',
  /** A message of another group. */
  'wrong_group',
  /** A message of an epoch this group has left; the sender must re-send in the current one. */
  'stale_epoch',
  /** A message of a later epoch: a commit is missing; fetch it first. */
  'future_epoch',
  /** This device was removed from the group and can read nothing more. */
  'removed_from_group',
  /** An application message whose key was already used (a replay) or is no longer kept. */
  'message_replayed',
  /** MLS refused the message (decryption, signature, tree or confirmation check). */
  'message_rejected',
  /** A member's credential was refused by the authentication service (see rejections). */
  'member_rejected',
  /** A commit whose proposals this client does not accept (only add and remove are). */
  'commit_refused',
  /** An external commit that does not join another device of a user already in the group. */
  'external_join_refused',
  /** None of the Welcome's secrets is for a key package this device holds. */
  'welcome_not_for_us',
  'welcome_rejected',
  /** A GroupInfo (for an external join) that does not verify. */
  'group_info_rejected',
  'unknown_member',
  'invalid_request',
  'invalid_group_state',
  /** A key package outside its lifetime: expired (kept back or replayed), or not valid yet. */
  'key_package_expired',
] as const;
export type MlsGroupErrorCode = (typeof MLS_GROUP_ERROR_CODES)[number];

export interface MlsGroupErrorOptions {
  readonly cause?: unknown;
  readonly rejections?: readonly CredentialRejection[];
}

export class MlsGroupError extends Error {
  /** Set for member_rejected: which members were refused, and why. */
  readonly rejections: readonly CredentialRejection[];

  constructor(
    readonly code: MlsGroupErrorCode,
    message: string,
    options: MlsGroupErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.rejections = options.rejections ?? [];
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${String(value)}`);
}
