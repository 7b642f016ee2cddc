import type { ColumnType, Generated, Selectable } from 'kysely';

/** Kysely's view of the tables. Changed only together with a numbered migration. */

type Timestamp = ColumnType<Date, Date, Date>;

export interface OrganizationsTable {
  id: string;
  slug: string;
  name: string;
  created_at: Timestamp;
}

export interface UsersTable {
  id: string;
  organization_id: string;
  username: string;
  /** Lower-cased username: the unique key, so "Anna.Schmidt" and "anna.schmidt" cannot coexist. */
  username_key: string;
  display_name: string;
  department: string | null;
  role: 'member' | 'admin';
  status: 'active' | 'disabled';
  password_hash: string | null;
  require_passkey: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DevicesTable {
  id: string;
  organization_id: string;
  user_id: string;
  name: string;
  platform: string;
  kind: 'managed' | 'personal';
  created_at: Timestamp;
  last_seen_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  organization_id: string;
  user_id: string;
  device_id: string;
  token_hash: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface InvitesTable {
  id: string;
  organization_id: string;
  token_hash: string;
  role: 'member' | 'admin';
  /** null: created by an operator on the command line. */
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  used_by: string | null;
  revoked_at: Timestamp | null;
}

export interface SetupTokensTable {
  id: string;
  token_hash: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface PasskeysTable {
  id: string;
  organization_id: string;
  user_id: string;
  /** base64url WebAuthn credential id. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  sign_count: number;
  transports: string;
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface WebauthnChallengesTable {
  id: string;
  organization_id: string;
  user_id: string | null;
  purpose: 'register' | 'login' | 'second_factor';
  challenge: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** bytea: PGlite returns Uint8Array, pg a Buffer (a Uint8Array too); see messaging/bytes.ts. */
type Bytes = Uint8Array;

export interface IdentityKeysTable {
  user_id: string;
  organization_id: string;
  public_key: Bytes;
  created_at: Timestamp;
}

export interface KeyPackagesTable {
  id: string;
  organization_id: string;
  device_id: string;
  ciphersuite: number;
  data: Bytes;
  is_last_resort: boolean;
  created_at: Timestamp;
}

export interface ConversationsTable {
  id: string;
  organization_id: string;
  kind: 'direct' | 'group' | 'channel';
  ciphersuite: number;
  epoch: number;
  /** Sequence number of the newest event; every event takes last_seq + 1 under the row lock. */
  last_seq: number;
  created_by: string | null;
  created_at: Timestamp;
  /** Public group state of the current epoch, for external joins; null when none was given. */
  group_info: Bytes | null;
  ratchet_tree: Bytes | null;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  role: 'owner' | 'poster' | 'member';
  added_at: Timestamp;
  removed_at: Timestamp | null;
  /** Former members: why they are no longer one; null while a member (migration 0007). */
  departure: 'left' | 'removed' | null;
  /** Former members: the last seq they were a member for; null while a member (migration 0009). */
  departed_seq: number | null;
}

/** A device's routing interval in a conversation: it receives from_seq < seq <= until_seq. */
export interface ConversationDevicesTable {
  conversation_id: string;
  device_id: string;
  user_id: string;
  from_seq: number;
  until_seq: number | null;
  /** The device's cursor: it has processed every event up to here. */
  acked_seq: number;
}

/** Events of (after_seq, until_seq] are not routed to the device (migration 0008). */
export interface RoutingGapsTable {
  conversation_id: string;
  device_id: string;
  after_seq: number;
  until_seq: number;
}

export interface ConversationEventsTable {
  conversation_id: string;
  seq: number;
  type: 'commit' | 'message';
  /** The epoch the MLS message belongs to (a commit: the epoch it builds on). */
  epoch: number;
  sender_device_id: string;
  message_id: string | null;
  data: Bytes;
  sent_at: Timestamp;
  /** Messages: 'post' or 'response', as the sender declared it; null for commits. */
  intent: 'post' | 'response' | null;
}

/** An organization's policy; no row: every setting at its default (migrations 0005, 0012). */
export interface OrganizationPoliciesTable {
  organization_id: string;
  /** Members send and see read receipts. */
  has_read_receipts: boolean;
  updated_at: Timestamp;
  /** The largest file in MiB; null: the server's AMTSBOTE_MAX_FILE_MB (which also caps it). */
  max_file_megabytes: number | null;
  /** The organization's file space in GiB; null: the server's AMTSBOTE_FILE_QUOTA_GB. */
  file_quota_gigabytes: number | null;
  /** Clients may save files to the device's file system (else they only show them). */
  is_file_download_allowed: Generated<boolean>;
  file_type_mode: Generated<'allow' | 'deny'>;
  /** Lower-case extensions without the dot. */
  file_type_extensions: Generated<string[]>;
  /** The failed PIN attempt that reaches this erases an app's vault (3 to 50). */
  vault_wipe_after_failures: Generated<number>;
  /** The longest idle time before an app locks, in minutes (1 to 60). */
  max_lock_after_minutes: Generated<number>;
}

export interface WelcomesTable {
  id: string;
  conversation_id: string;
  /** The seq of the commit that made it. */
  seq: number;
  /** The epoch the new members join. */
  epoch: number;
  sender_device_id: string;
  data: Bytes;
  ratchet_tree: Bytes | null;
  created_at: Timestamp;
}

export interface WelcomeRecipientsTable {
  device_id: string;
  welcome_id: string;
}

/** A sealed block of a user's history backup of a conversation (migration 0006). */
export interface HistoryBlocksTable {
  organization_id: string;
  user_id: string;
  conversation_id: string;
  /** The window of the conversation's seq the block covers; chosen by the clients. */
  block: number;
  /** 1 at the first write, +1 at every write. */
  revision: number;
  ciphertext: Bytes;
  size: number;
  updated_at: Timestamp;
}

/** A new device's request for the user secrets (migration 0003); see ADR 0007. */
export interface DeviceLinksTable {
  id: string;
  organization_id: string;
  user_id: string;
  /** The new device. */
  device_id: string;
  public_key: Bytes;
  code_tag: Bytes;
  qr_tag: Bytes;
  created_at: Timestamp;
  expires_at: Timestamp;
  approved_by_device_id: string | null;
  approved_at: Timestamp | null;
  /** Between approval and fetch only. */
  sealed_secrets: Bytes | null;
  confirmation: Bytes | null;
  fetched_at: Timestamp | null;
}

/** The user secrets sealed under the user's recovery key (migration 0003). */
export interface RecoveryBlobsTable {
  user_id: string;
  organization_id: string;
  sealed_secrets: Bytes;
  updated_at: Timestamp;
}

/** An encrypted file: a blob and who may read it (migration 0010, ADR 0013). */
export interface FilesTable {
  /** The blob id, also the tus upload id. */
  id: string;
  organization_id: string;
  uploader_user_id: string;
  uploader_device_id: string;
  /**
   * A chat attachment: the conversation's current members may read it. null: a standalone
   * transfer's file, read by its uploader and through its transfers.
   */
  conversation_id: string | null;
  /** Ciphertext bytes, the upload's declared length. */
  size_bytes: number;
  status: 'uploading' | 'complete';
  created_at: Timestamp;
  /** Set exactly when status is complete. */
  completed_at: Timestamp | null;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  setup_tokens: SetupTokensTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  identity_keys: IdentityKeysTable;
  key_packages: KeyPackagesTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  conversation_devices: ConversationDevicesTable;
  routing_gaps: RoutingGapsTable;
  conversation_events: ConversationEventsTable;
  welcomes: WelcomesTable;
  welcome_recipients: WelcomeRecipientsTable;
  device_links: DeviceLinksTable;
  recovery_blobs: RecoveryBlobsTable;
  history_blocks: HistoryBlocksTable;
  organization_policies: OrganizationPoliciesTable;
  files: FilesTable;
  transfers: TransfersTable;
  transfer_downloads: TransferDownloadsTable;
  push_subscriptions: PushSubscriptionsTable;
}

export interface TransfersTable {
  id: string;
  organization_id: string;
  /** null once the file was deleted (the transfer has ended). */
  file_id: string | null;
  sender_user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** null: no limit. */
  max_downloads: number | null;
  download_count: Generated<number>;
  /** Wrong access tokens so far; at MAX_TRANSFER_ACCESS_FAILURES the transfer locks. */
  failed_attempts: Generated<number>;
  password_protected: boolean;
  /** SHA-256 of the link's access token. */
  access_hash: Uint8Array;
  /** The file key wrapped under a key of the link (opaque to the server). */
  wrapped_key: Uint8Array;
  /** The file's sealed name, type and size (opaque to the server). */
  sealed_metadata: Uint8Array;
  revoked_at: Timestamp | null;
  /** Revoked by too many wrong access tokens rather than by its sender. */
  locked: Generated<boolean>;
}

export interface TransferDownloadsTable {
  id: string;
  transfer_id: string;
  /** SHA-256 of the download's ticket. */
  ticket_hash: Uint8Array;
  started_at: Timestamp;
  ticket_expires_at: Timestamp;
}

/** A device's web push subscription (migration 0013, ADR 0015): at most one per device. */
export interface PushSubscriptionsTable {
  id: string;
  organization_id: string;
  device_id: string;
  /** The push service's capability URL for the browser: never logged. */
  endpoint: string;
  /** The browser's P-256 public key, an uncompressed point (65 bytes). */
  p256dh: Uint8Array;
  /** The authentication secret shared with the browser (16 bytes): never logged. */
  auth: Uint8Array;
  created_at: Timestamp;
  last_success_at: Timestamp | null;
  failure_count: Generated<number>;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type UserRow = Selectable<UsersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type SetupTokenRow = Selectable<SetupTokensTable>;
export type PasskeyRow = Selectable<PasskeysTable>;
export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type ConversationMemberRow = Selectable<ConversationMembersTable>;
export type ConversationEventRow = Selectable<ConversationEventsTable>;
export type WelcomeRow = Selectable<WelcomesTable>;
