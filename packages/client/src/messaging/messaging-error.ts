/** Stable codes of every refusal of the messaging engine; the UI and logs key on these. */
export const MESSAGING_ERROR_CODES = [
  /** No account in the local store yet: bootstrap, link or recover this device first. */
  'not_bootstrapped',
  /** The local store belongs to another user or device than the session. */
  'account_mismatch',
  /** The user already has an identity key (another device): link or recover this device. */
  'identity_key_exists',
  /** The user secrets received hold another identity key than the server publishes. */
  'identity_key_mismatch',
  'conversation_not_found',
  /** This device is not (or no longer) in the conversation's MLS group. */
  'not_in_group',
  /** The users to add have no device with a key package for the conversation's ciphersuite. */
  'no_key_packages',
  /** A claimed key package is not for the device the server named. */
  'key_package_mismatch',
  /** Other members' commits kept winning; try again. */
  'commit_conflict',
  /** The message is stored in the outbox and is sent once the server can be reached. */
  'send_pending',
  /** The server or the MLS group refused the message for good; it was removed from the outbox. */
  'send_refused',
  'invalid_request',
  'closed',
  /** Channels: only owners and posters post; members acknowledge, read and react. */
  'not_a_poster',
  /** The message is not on this device (never received, or sent before it joined). */
  'message_not_found',
  /** The organization switched read receipts off; read state stays on this device. */
  'read_receipts_off',
  /** Not a recovery key: a typo (its check symbols do not match) or foreign characters. */
  'recovery_key_mistyped',
  /** A well-formed recovery key that does not open the user's sealed secrets. */
  'recovery_key_invalid',
  /** The server holds no secrets sealed under a recovery key for the user. */
  'recovery_not_set_up',
  /** Not a device link code or QR payload: a typo or foreign characters. */
  'device_link_code_invalid',
  /** No device of the user waits for approval with this code (wrong, expired or used). */
  'device_link_not_found',
  'device_link_expired',
  /** The link was approved already; a link is single use. */
  'device_link_used',
  /** Link and code do not belong together: someone (the server) changed the link. */
  'device_link_mismatch',
  /** This store holds an account already: open it instead of linking or recovering. */
  'already_bootstrapped',
  /** The caller stopped waiting (an AbortSignal). */
  'cancelled',
  /** The organization's policy does not let members send files of this type (its extension). */
  'file_type_not_allowed',
  /** The file is larger than the organization's policy (or the server) allows. */
  'file_too_large',
  /** No identity key of the colleague is pinned yet: they never shared a conversation. */
  'no_pinned_key',
] as const;
export type MessagingErrorCode = (typeof MESSAGING_ERROR_CODES)[number];

export class MessagingError extends Error {
  readonly code: MessagingErrorCode;

  constructor(code: MessagingErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MessagingError';
    this.code = code;
  }
}
