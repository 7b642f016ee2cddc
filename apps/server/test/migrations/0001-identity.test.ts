import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateTo } from '../../src/storage/migrate.js';
import { describeEachBackend } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';
import {
  describeLaterMigrations,
  insertDevice,
  insertOrganization,
  insertUser,
  useMigrationBed,
} from './migration-bed.js';

const MIGRATION = '0001-identity';

const TIMESTAMPTZ = 'timestamp with time zone';

/** The schema this migration creates, as the catalog reports it. Frozen like the migration. */
const COLUMNS: Readonly<Record<string, readonly string[]>> = {
  organizations: [
    'id uuid not null',
    'slug text not null',
    'name text not null',
    `created_at ${TIMESTAMPTZ} not null`,
  ],
  users: [
    'id uuid not null',
    'organization_id uuid not null',
    'username text not null',
    'username_key text not null',
    'display_name text not null',
    'department text',
    'role text not null',
    'status text not null',
    'password_hash text',
    'require_passkey boolean not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `updated_at ${TIMESTAMPTZ} not null`,
  ],
  devices: [
    'id uuid not null',
    'organization_id uuid not null',
    'user_id uuid not null',
    'name text not null',
    'platform text not null',
    'kind text not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `last_seen_at ${TIMESTAMPTZ} not null`,
    `revoked_at ${TIMESTAMPTZ}`,
  ],
  sessions: [
    'id uuid not null',
    'organization_id uuid not null',
    'user_id uuid not null',
    'device_id uuid not null',
    'token_hash text not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `last_used_at ${TIMESTAMPTZ} not null`,
    `expires_at ${TIMESTAMPTZ} not null`,
    `ended_at ${TIMESTAMPTZ}`,
  ],
  invites: [
    'id uuid not null',
    'organization_id uuid not null',
    'token_hash text not null',
    'role text not null',
    'created_by uuid',
    `created_at ${TIMESTAMPTZ} not null`,
    `expires_at ${TIMESTAMPTZ} not null`,
    `used_at ${TIMESTAMPTZ}`,
    'used_by uuid',
    `revoked_at ${TIMESTAMPTZ}`,
  ],
  setup_tokens: [
    'id uuid not null',
    'token_hash text not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `expires_at ${TIMESTAMPTZ} not null`,
    `used_at ${TIMESTAMPTZ}`,
  ],
  passkeys: [
    'id uuid not null',
    'organization_id uuid not null',
    'user_id uuid not null',
    'credential_id text not null',
    'public_key text not null',
    'sign_count bigint not null',
    'transports text not null',
    'name text not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `last_used_at ${TIMESTAMPTZ}`,
  ],
  webauthn_challenges: [
    'id uuid not null',
    'organization_id uuid not null',
    'user_id uuid',
    'purpose text not null',
    'challenge text not null',
    `created_at ${TIMESTAMPTZ} not null`,
    `expires_at ${TIMESTAMPTZ} not null`,
  ],
};

const toOrganization = 'references organizations (id) on delete cascade';
const toUser = 'references users (id) on delete cascade';

const KEYS = [
  ...Object.keys(COLUMNS).map((table) => `${table} primary key (id)`),
  'organizations unique (slug)',
  'users unique (organization_id, username_key)',
  'sessions unique (token_hash)',
  'invites unique (token_hash)',
  'setup_tokens unique (token_hash)',
  'passkeys unique (organization_id, credential_id)',
  `users foreign key (organization_id) ${toOrganization}`,
  `devices foreign key (organization_id) ${toOrganization}`,
  `devices foreign key (user_id) ${toUser}`,
  `sessions foreign key (organization_id) ${toOrganization}`,
  `sessions foreign key (user_id) ${toUser}`,
  'sessions foreign key (device_id) references devices (id) on delete cascade',
  `invites foreign key (organization_id) ${toOrganization}`,
  'invites foreign key (created_by) references users (id) on delete set null',
  'invites foreign key (used_by) references users (id) on delete set null',
  `passkeys foreign key (organization_id) ${toOrganization}`,
  `passkeys foreign key (user_id) ${toUser}`,
  `webauthn_challenges foreign key (organization_id) ${toOrganization}`,
  `webauthn_challenges foreign key (user_id) ${toUser}`,
];

const CHECK_VIOLATION = '23514';

describeEachBackend(`migration ${MIGRATION}`, (backend) => {
  const bed = useMigrationBed(backend, MIGRATION, { from: null });
  const { db, run } = bed;

  describe('on an empty database', () => {
    it('applies only this migration', () => {
      expect(bed.applied()).toEqual([MIGRATION]);
    });

    it('creates exactly the identity tables', async () => {
      expect(await listTables(db())).toEqual(Object.keys(COLUMNS).sort());
    });

    it('creates each column with its type and nullability', async () => {
      for (const [table, columns] of Object.entries(COLUMNS)) {
        expect({ table, columns: await describeColumns(db(), table) }).toEqual({ table, columns });
      }
    });

    it('creates the primary, unique and foreign keys', async () => {
      expect(await listKeyConstraints(db())).toEqual([...KEYS].sort());
    });

    it('defaults require_passkey to false', async () => {
      const userId = await insertUser(db(), { organizationId: await insertOrganization(db()) });
      const { rows } = await sql<{ require_passkey: boolean }>`
        select require_passkey from users where id = ${userId}`.execute(db());
      expect(rows).toEqual([{ require_passkey: false }]);
    });

    it('rejects a user role other than member or admin', async () => {
      const organizationId = await insertOrganization(db());
      await insertUser(db(), { organizationId, role: 'admin' });
      await expect(insertUser(db(), { organizationId, role: 'root' })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('rejects a user status other than active or disabled', async () => {
      const organizationId = await insertOrganization(db());
      await insertUser(db(), { organizationId, status: 'disabled' });
      await expect(insertUser(db(), { organizationId, status: 'deleted' })).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('rejects a device kind other than managed or personal', async () => {
      const organizationId = await insertOrganization(db());
      const userId = await insertUser(db(), { organizationId });
      const addDevice = (kind: string) => insertDevice(db(), { organizationId, userId, kind });
      await addDevice('managed');
      await expect(addDevice('server')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('rejects an invite role other than member or admin', async () => {
      const organizationId = await insertOrganization(db());
      const addInvite = (role: string) =>
        run(sql`insert into invites
          (id, organization_id, token_hash, role, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${randomUUID()}, ${role}, now(), now())`);
      await addInvite('member');
      await expect(addInvite('root')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('rejects a challenge purpose other than register, login or second_factor', async () => {
      const organizationId = await insertOrganization(db());
      const addChallenge = (purpose: string) =>
        run(sql`insert into webauthn_challenges
          (id, organization_id, purpose, challenge, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${purpose}, 'c', now(), now())`);
      await addChallenge('second_factor');
      await expect(addChallenge('recover')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('deletes everything of an organization together with it', async () => {
      const organizationId = await insertOrganization(db());
      const userId = await insertUser(db(), { organizationId, role: 'admin' });
      const deviceId = await insertDevice(db(), { organizationId, userId });
      await run(sql`insert into sessions (id, organization_id, user_id, device_id, token_hash,
          created_at, last_used_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, ${deviceId}, ${randomUUID()},
          now(), now(), now())`);
      await run(sql`insert into invites (id, organization_id, token_hash, role, created_by,
          created_at, expires_at, used_at, used_by)
        values (${randomUUID()}, ${organizationId}, ${randomUUID()}, 'member', ${userId},
          now(), now(), now(), ${userId})`);
      await run(sql`insert into passkeys (id, organization_id, user_id, credential_id, public_key,
          sign_count, transports, name, created_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, 'cred', 'pk', 0, '', 'Key', now())`);
      await run(sql`insert into webauthn_challenges (id, organization_id, user_id, purpose,
          challenge, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, 'login', 'c', now(), now())`);

      await run(sql`delete from organizations where id = ${organizationId}`);

      for (const table of Object.keys(COLUMNS).filter((t) => t !== 'setup_tokens')) {
        const { rows } = await sql<{ n: number }>`
          select count(*) as n from ${sql.table(table)}
          where ${sql.ref(table === 'organizations' ? 'id' : 'organization_id')} = ${organizationId}
        `.execute(db());
        expect({ table, rows }).toEqual({ table, rows: [{ n: 0 }] });
      }
    });

    it('applies nothing when asked for the same migration again', async () => {
      expect((await migrateTo(db(), MIGRATION)).applied).toEqual([]);
    });
  });

  // Runs last: it moves the schema past this migration.
  describeLaterMigrations(bed);
});
