/* The account's sessions and passkeys (ADR 0004), and the passkey that unlocks the vault (ADR 0016). */
export { SessionsApi, sessionEntries, type AccountSessionEntry } from './sessions-api.js';
export { PASSKEY_ERROR_CODES, PasskeyError, type PasskeyErrorCode } from './passkey-error.js';
export {
  browserPasskeyAuthenticator,
  passkeyErrorOf,
  withoutPrfOutput,
  type CreatedPasskeyCredential,
  type PasskeyAssertion,
  type PasskeyAuthenticator,
  type WebAuthnJson,
  type WebAuthnScope,
} from './passkey-authenticator.js';
export {
  PasskeysApi,
  answerPasskeyChallenge,
  signInWithPasskey,
  vaultPrfUnlock,
  type RandomBytes,
  type RegisterPasskeyOptions,
  type RegisteredPasskey,
  type VaultPrfUnlock,
} from './passkeys-api.js';
