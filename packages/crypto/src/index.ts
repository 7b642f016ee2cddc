export { base64urlDecode, base64urlEncode } from './base64url.js';
export { constantTimeEqual } from './constant-time.js';
export { randomBytes, randomToken, TOKEN_BYTES } from './random.js';
export { sha256, hashToken } from './hash.js';

// MLS facade (src/mls): the only code in the product that uses ts-mls.
export {
  IDENTITY_PRIVATE_KEY_BYTES,
  IDENTITY_PUBLIC_KEY_BYTES,
  IDENTITY_SIGNATURE_BYTES,
  IDENTITY_SIGNATURE_LABELS,
  IdentityKeyError,
  exportIdentityPrivateKey,
  generateIdentityKey,
  importIdentityPrivateKey,
  importIdentityPublicKey,
  isValidIdentityPublicKey,
  signWithIdentityKey,
  verifyIdentitySignature,
  type IdentityKeyPair,
  type IdentitySignatureLabel,
} from './mls/identity-key.js';
export {
  DEVICE_CREDENTIAL_VERSION,
  DeviceCredentialError,
  createDeviceCredential,
  decodeDeviceCredential,
  encodeDeviceCredential,
  verifyDeviceCredential,
  type DeviceCredential,
  type DeviceCredentialErrorReason,
  type DeviceCredentialFields,
} from './mls/device-credential.js';
export {
  DeviceError,
  assembleDevice,
  createDevice,
  decodeDevice,
  encodeDevice,
  generateDeviceSignatureKeyPair,
  type Device,
  type DeviceSignatureKeyPair,
} from './mls/device.js';
export { InMemoryIdentityKeyPins, type IdentityKeyPins } from './mls/identity-key-pins.js';
export {
  DeviceAuthenticationService,
  type AuthenticationSession,
  type CredentialCheck,
  type CredentialRejection,
  type CredentialRejectionReason,
  type DeviceAuthenticationServiceOptions,
  type IdentityKeyChangeListener,
} from './mls/authentication-service.js';
export {
  SAFETY_CODE_ITERATIONS,
  SAFETY_CODE_LABEL,
  SafetyCodeError,
  computeSafetyCode,
  type SafetyCodeParty,
} from './mls/safety-code.js';
export {
  MLS_CIPHERSUITES,
  isSupportedCiphersuite,
  loadCiphersuite,
  type MlsCiphersuiteId,
} from './mls/ciphersuite.js';
export {
  InMemoryKeyPackageStore,
  type KeyPackageStore,
  type StoredKeyPackage,
} from './mls/key-package-store.js';
export {
  MAX_KEY_PACKAGES_PER_CALL,
  generateKeyPackages,
  type GenerateKeyPackagesOptions,
  type KeyPackageLifetime,
} from './mls/key-packages.js';
export {
  GROUP_ID_BYTES,
  createGroup,
  groupIdFromConversationId,
  importGroup,
  joinExternal,
  joinFromWelcome,
  type CreateGroupOptions,
  type ExternalJoinResult,
  type JoinExternalOptions,
  type JoinFromWelcomeOptions,
} from './mls/group-join.js';
export {
  MLS_EXPORTER_LABELS,
  type AddCommitResult,
  type CommitResult,
  type MlsExporterLabel,
  type MlsGroup,
  type ProcessedMessage,
} from './mls/mls-group.js';
export type { GroupMember } from './mls/group-core.js';
export type { ExternalJoiner, ProcessOptions } from './mls/group-process.js';
export { MAX_MEMBERS_PER_COMMIT } from './mls/group-commit.js';
export {
  MLS_GROUP_ERROR_CODES,
  MlsGroupError,
  type MlsGroupErrorCode,
} from './mls/mls-group-error.js';
export { MLS_LIMITS } from './mls/mls-message-codec.js';

// Encryption at rest of the client's local store.
export {
  RECORD_ASSOCIATED_DATA_LABEL,
  RECORD_CIPHER_ERROR_CODES,
  RECORD_CIPHER_VERSION,
  RECORD_NONCE_BYTES,
  RECORD_OVERHEAD_BYTES,
  RECORD_TAG_BYTES,
  RecordCipherError,
  STORAGE_KEY_BYTES,
  decryptRecord,
  encryptRecord,
  generateStorageKeyBytes,
  importStorageKey,
  recordAssociatedData,
  type RecordCipherErrorCode,
  type StorageKey,
} from './record-cipher.js';

// The per-user history backup: blocks of decrypted history sealed with the user's history key.
export {
  HISTORY_BACKUP_ERROR_CODES,
  HISTORY_BACKUP_KEY_LABEL,
  HISTORY_BLOCK_AAD_LABEL,
  HistoryBackupError,
  deriveHistoryConversationKey,
  historyBlockAssociatedData,
  openHistoryBlock,
  sealHistoryBlock,
  type HistoryBackupErrorCode,
  type HistoryBlockPosition,
  type HistoryConversationKey,
} from './history-backup.js';

// User secrets, recovery key and device linking (src/account).
export {
  HISTORY_KEY_BYTES,
  USER_SECRETS_BYTES,
  USER_SECRETS_VERSION,
  UserSecretsError,
  decodeUserSecrets,
  encodeUserSecrets,
  generateHistoryKey,
  generateUserSecrets,
  type UserSecrets,
  type UserSecretsErrorReason,
} from './account/user-secrets.js';
export {
  CROCKFORD_ALPHABET,
  HumanCodeError,
  type HumanCodeErrorReason,
  type HumanCodeFormat,
} from './account/human-code.js';
export {
  RECOVERY_KEY_BITS,
  RECOVERY_KEY_FORMAT,
  RecoveryKeyError,
  generateRecoveryKey,
  openUserSecretsWithRecoveryKey,
  parseRecoveryKey,
  sealUserSecretsWithRecoveryKey,
  type RecoveryKey,
  type RecoveryKeyErrorReason,
} from './account/recovery-key.js';
export {
  DEVICE_LINK_CODE_BITS,
  DEVICE_LINK_CODE_FORMAT,
  DEVICE_LINK_CODE_ITERATIONS,
  DEVICE_LINK_QR_PREFIX,
  DeviceLinkError,
  parseDeviceLinkSecret,
  type DeviceLinkErrorReason,
  type DeviceLinkSecret,
} from './account/device-link-secret.js';
export {
  DeviceLinkRequest,
  approveDeviceLink,
  type DeviceLinkApproval,
  type DeviceLinkParty,
  type PendingDeviceLink,
} from './account/device-link.js';

// ---------------------------------------------------------------------------------------------
// File encryption (src/files): every file is encrypted on the sender's device as it streams, so
// the server holds only ciphertext. Format and choices: docs/file-encryption.md.
export {
  FILE_CRYPTO_ERROR_CODES,
  FileCryptoError,
  type FileCryptoErrorCode,
} from './files/file-crypto-error.js';
export {
  DEFAULT_FILE_CHUNK_BYTES,
  FILE_FORMAT_VERSION,
  FILE_HEADER_BYTES,
  FILE_KEY_BYTES,
  FILE_TAG_BYTES,
  MAX_FILE_CHUNKS,
  MAX_FILE_CHUNK_BYTES,
  MIN_FILE_CHUNK_BYTES,
  chunkCiphertextRange,
  encryptedSize,
  plaintextSize,
  type ByteRange,
} from './files/file-format.js';
export { parseFileHeader, type FileHeader } from './files/file-header.js';
export {
  FILE_KEY_TEXT_LENGTH,
  fileKeyFromText,
  fileKeyToText,
  generateFileKey,
} from './files/file-key.js';
export {
  FILE_KEY_COMMITMENT_LABEL,
  FILE_METADATA_KEY_COMMITMENT_LABEL,
  FILE_METADATA_KEY_LABEL,
  FILE_PAYLOAD_KEY_LABEL,
} from './files/file-key-derivation.js';
export { createFileEncryptor, type FileEncryptorOptions } from './files/file-encryptor.js';
export { createFileDecryptor, type FileDecryptorOptions } from './files/file-decryptor.js';
export {
  FILE_METADATA_VERSION,
  MAX_SEALED_FILE_METADATA_BYTES,
  openFileMetadata,
  sealFileMetadata,
} from './files/file-metadata.js';
export {
  MAX_FILE_NAME_CHARACTERS,
  MAX_FILE_TYPE_LENGTH,
  UNKNOWN_FILE_TYPE,
  type FileMetadata,
} from './files/file-metadata-fields.js';
export {
  TRANSFER_ACCESS_TOKEN_BYTES,
  TRANSFER_PASSWORD_ITERATIONS,
  TRANSFER_SECRET_BYTES,
  WRAPPED_FILE_KEY_BYTES,
  deriveTransferKeys,
  generateTransferSecret,
  parseTransferFragment,
  transferAccessHash,
  transferFragment,
  unwrapFileKey,
  wrapFileKey,
  type TransferKeys,
  type TransferLinkSecret,
} from './transfers/transfer-keys.js';

// The key of the web app's on-device vault and its wraps under a PIN or a passkey (src/vault).
export {
  VAULT_KEY_ERROR_CODES,
  VaultKeyError,
  type VaultKeyErrorCode,
} from './vault/vault-key-error.js';
export {
  MAX_VAULT_ID_LENGTH,
  MAX_VAULT_SECRET_LENGTH,
  VAULT_KEY_BYTES,
  VAULT_KEY_LABELS,
  VAULT_KEY_WRAP_VERSION,
  VAULT_PIN_ITERATIONS,
  VAULT_PRF_OUTPUT_BYTES,
  VAULT_WRAP_SALT_BYTES,
  WRAPPED_VAULT_KEY_BYTES,
  generateVaultKey,
  unwrapVaultKeyWithPrf,
  unwrapVaultKeyWithSecret,
  vaultPrfEvaluationInput,
  wrapVaultKeyWithPrf,
  wrapVaultKeyWithSecret,
} from './vault/vault-key-wrap.js';
