/** Stable codes of every refusal of the messaging engine; the UI and logs key on these. */
export const MESSAGING_ERROR_CODES = [
  /** No account in the local store yet: call bootstrap() or bootstrapWithIdentityKey() first. */
  'not_bootstrapped',
  /** The local store belongs to another user or device than the session. */
  'account_mismatch',
  /** The user already has an identity key (another device); this device needs it passed in. */
  'identity_key_exists',
  /** The identity key passed in is not the one the server holds for the user. */
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
