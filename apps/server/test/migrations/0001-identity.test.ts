import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest, type MigrationReport } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import { describeEachBackend, type OpenedStore } from '../storage/backends.js';
import { describeColumns, listKeyConstraints, listTables } from '../storage/schema-catalog.js';

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
  let opened: OpenedStore | null = null;
  let report: MigrationReport;
  const db = (): Kysely<unknown> => {
    assert(opened !== null, 'the store is opened in beforeAll');
    return opened.storage.db as Kysely<unknown>;
  };

  beforeAll(async () => {
    opened = await backend.openEmpty();
    report = await migrateTo(opened.storage.db, MIGRATION);
  });

  afterAll(async () => {
    await opened?.close();
  });

  const addOrganization = async (): Promise<string> => {
    const id = randomUUID();
    await sql`insert into organizations (id, slug, name, created_at)
      values (${id}, ${`org-${id}`}, 'Stadt', now())`.execute(db());
    return id;
  };

  const addUser = async (organizationId: string, role: string, status: string): Promise<string> => {
    const id = randomUUID();
    await sql`insert into users (id, organization_id, username, username_key, display_name,
        role, status, created_at, updated_at)
      values (${id}, ${organizationId}, ${id}, ${id}, 'Anna', ${role}, ${status}, now(), now())`.execute(
      db(),
    );
    return id;
  };

  describe('on an empty database', () => {
    it('applies only this migration', () => {
      expect(report.applied).toEqual([MIGRATION]);
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
      const userId = await addUser(await addOrganization(), 'member', 'active');
      const { rows } = await sql<{ require_passkey: boolean }>`
        select require_passkey from users where id = ${userId}`.execute(db());
      expect(rows).toEqual([{ require_passkey: false }]);
    });

    it('rejects a user role other than member or admin', async () => {
      const organizationId = await addOrganization();
      await addUser(organizationId, 'admin', 'active');
      await expect(addUser(organizationId, 'root', 'active')).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('rejects a user status other than active or disabled', async () => {
      const organizationId = await addOrganization();
      await addUser(organizationId, 'member', 'disabled');
      await expect(addUser(organizationId, 'member', 'deleted')).rejects.toMatchObject({
        code: CHECK_VIOLATION,
      });
    });

    it('rejects a device kind other than managed or personal', async () => {
      const organizationId = await addOrganization();
      const userId = await addUser(organizationId, 'member', 'active');
      const addDevice = (kind: string) =>
        sql`insert into devices
          (id, organization_id, user_id, name, platform, kind, created_at, last_seen_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, 'PC', 'web', ${kind}, now(), now())`.execute(
          db(),
        );
      await addDevice('managed');
      await expect(addDevice('server')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('rejects an invite role other than member or admin', async () => {
      const organizationId = await addOrganization();
      const addInvite = (role: string) =>
        sql`insert into invites
          (id, organization_id, token_hash, role, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${randomUUID()}, ${role}, now(), now())`.execute(
          db(),
        );
      await addInvite('member');
      await expect(addInvite('root')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('rejects a challenge purpose other than register, login or second_factor', async () => {
      const organizationId = await addOrganization();
      const addChallenge = (purpose: string) =>
        sql`insert into webauthn_challenges
          (id, organization_id, purpose, challenge, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${purpose}, 'c', now(), now())`.execute(db());
      await addChallenge('second_factor');
      await expect(addChallenge('recover')).rejects.toMatchObject({ code: CHECK_VIOLATION });
    });

    it('deletes everything of an organization together with it', async () => {
      const organizationId = await addOrganization();
      const userId = await addUser(organizationId, 'admin', 'active');
      const deviceId = randomUUID();
      await sql`insert into devices
          (id, organization_id, user_id, name, platform, kind, created_at, last_seen_at)
        values (${deviceId}, ${organizationId}, ${userId}, 'PC', 'web', 'managed', now(), now())`.execute(
        db(),
      );
      await sql`insert into sessions (id, organization_id, user_id, device_id, token_hash,
          created_at, last_used_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, ${deviceId}, ${randomUUID()},
          now(), now(), now())`.execute(db());
      await sql`insert into invites (id, organization_id, token_hash, role, created_by,
          created_at, expires_at, used_at, used_by)
        values (${randomUUID()}, ${organizationId}, ${randomUUID()}, 'member', ${userId},
          now(), now(), now(), ${userId})`.execute(db());
      await sql`insert into passkeys (id, organization_id, user_id, credential_id, public_key,
          sign_count, transports, name, created_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, 'cred', 'pk', 0, '', 'Key', now())`.execute(
        db(),
      );
      await sql`insert into webauthn_challenges (id, organization_id, user_id, purpose,
          challenge, created_at, expires_at)
        values (${randomUUID()}, ${organizationId}, ${userId}, 'login', 'c', now(), now())`.execute(
        db(),
      );

      await sql`delete from organizations where id = ${organizationId}`.execute(db());

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
  describe('followed by migrateToLatest', () => {
    it('applies exactly the later migrations once, and nothing on a second run', async () => {
      const names = Object.keys(MIGRATIONS);
      const later = names.slice(names.indexOf(MIGRATION) + 1);
      expect((await migrateToLatest(db())).applied).toEqual(later);
      expect((await migrateToLatest(db())).applied).toEqual([]);
    });
  });
});
