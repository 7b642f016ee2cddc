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

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  setup_tokens: SetupTokensTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
}

export type OrganizationRow = Selectable<OrganizationsTable>;
export type UserRow = Selectable<UsersTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type SessionRow = Selectable<SessionsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type SetupTokenRow = Selectable<SetupTokensTable>;
export type PasskeyRow = Selectable<PasskeysTable>;
export type WebauthnChallengeRow = Selectable<WebauthnChallengesTable>;
