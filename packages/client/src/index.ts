export { ApiError, HttpApi, type HttpApiOptions } from './http-api.js';
export {
  ConnectionRejectedError,
  connectSession,
  type SessionConnection,
} from './session-connection.js';
export {
  BACKEND_STORE_LIMITS,
  COLLECTIONS,
  type Collection,
  type ListOptions,
  type LocalStore,
  type StoreLimits,
  type StoreOperation,
} from './store/local-store.js';
export {
  LOCAL_STORE_ERROR_CODES,
  LocalStoreError,
  type LocalStoreErrorCode,
} from './store/local-store-error.js';
export { MemoryStore } from './store/memory-store.js';
export { EncryptedStore } from './store/encrypted-store.js';
export { JsonCollection } from './store/json-collection.js';
export {
  MAX_OUTBOX_ENTRIES,
  MAX_OUTBOX_PAYLOAD_BYTES,
  Outbox,
  type OutboxEntry,
} from './store/outbox.js';
export {
  MessagingClient,
  type DeviceLink,
  type MessagingClientOptions,
  type PendingText,
} from './messaging/messaging-client.js';
export type {
  ApprovedDevice,
  DeviceLinkView,
  DeviceLinkWaitOptions,
} from './messaging/device-link-flow.js';
export {
  MESSAGING_ERROR_CODES,
  MessagingError,
  type MessagingErrorCode,
} from './messaging/messaging-error.js';
export type {
  MemberRef,
  MessagingEvent,
  MessagingEventListener,
} from './messaging/messaging-events.js';
export type { ConversationSummary, CreateConversationInput } from './messaging/conversations.js';
export type { SentMessage } from './messaging/message-sender.js';
export type { AcknowledgementCounts, TimelineItem, TimelinePage } from './messaging/timeline.js';
export type { SeqWindow } from './messaging/seq-window.js';
export { MEMBERSHIP_CHANGES, type MembershipChangeKind } from './messaging/membership-log.js';
export type { AcknowledgementList } from './messaging/acknowledgements.js';
export type { Acknowledgement } from './messaging/acknowledgement-store.js';
export type { ReadMarkers } from './messaging/message-store.js';
export type { SafetyCode } from './messaging/safety-codes.js';
export type { AccountIds } from './messaging/account-store.js';
export {
  DEFAULT_RECONNECT_POLICY,
  type ReconnectPolicy,
  type WebSocketConstructor,
  type WebSocketLike,
} from './messaging/live-connection.js';
export { KEY_PACKAGE_TARGET } from './messaging/key-package-supply.js';
export {
  Attachments,
  type FileToSend,
  type OpenedAttachment,
  type SentFile,
} from './files/attachments.js';
export {
  canSaveFiles,
  checkFileAllowed,
  fileExtensionOf,
  isFileTypeAllowed,
  type FileDescription,
} from './files/file-policy.js';
export {
  UPLOAD_CHUNK_BYTES,
  UPLOADS_PATH,
  downloadCiphertext,
  uploadCiphertext,
  type ByteRangeRequest,
  type UploadInput,
} from './files/file-transport.js';
export {
  Transfers,
  type CreatedTransfer,
  type FileToTransfer,
  type TransferHost,
  type TransferOptions,
} from './files/transfers.js';
export {
  openTransferLink,
  parseTransferLink,
  type OpenTransferOptions,
  type OpenedTransfer,
  type TransferLink,
} from './files/transfer-link.js';
export {
  resumingDownload,
  type RangeFetcher,
  type ResumingDownloadOptions,
} from './files/resuming-download.js';
export {
  createImageThumbnail,
  type ImageThumbnail,
  type ImageThumbnailOptions,
} from './files/image-thumbnail.js';
export type { ThumbnailInput } from './files/thumbnails.js';
export { PushApi, type PushSubscriptionJson } from './push-api.js';
export * from './account/index.js';
