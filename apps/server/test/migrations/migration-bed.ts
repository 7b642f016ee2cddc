import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type QueryResult, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/storage/migrate.js';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import type { OpenedStore, StorageBackend } from '../storage/backends.js';

/** The test bed every migration test stands on: one store per suite, brought up to the migration. */

const NAMES = Object.keys(MIGRATIONS);

function indexOfMigration(name: string): number {
  const index = NAMES.indexOf(name);
  assert(index >= 0, `${name} is a migration`);
  return index;
}

/** The migration just before `name`: where its down migration leads. */
export function previousMigration(name: string): string {
  const previous = NAMES[indexOfMigration(name) - 1];
  assert(previous !== undefined, `a migration precedes ${name}`);
  return previous;
}

export interface MigrationBedOptions {
  /**
   * The migration the store is brought to before the one under test, or null for an empty
   * database. Default: the migration just before.
   */
  readonly from?: string | null;
  /** Runs on the schema of `from`: writes the rows the migration must carry over. */
  readonly seed?: (db: Kysely<unknown>) => Promise<void>;
}

export interface MigrationBed {
  /** The migration under test. */
  readonly migration: string;
  /** The store, available inside tests and hooks. */
  readonly db: () => Kysely<unknown>;
  /** Runs one raw statement on the store. */
  readonly run: (query: RawBuilder<unknown>) => Promise<QueryResult<unknown>>;
  /** The migrations applied to bring the store from `from` to the migration under test. */
  readonly applied: () => readonly string[];
}

/**
 * Opens an empty store for the enclosing suite, migrates it to `from`, seeds it, then applies
 * the migration under test and checks that exactly the migrations after `from` ran. The tests
 * of the suite share the store and run in order.
 */
export function useMigrationBed(
  backend: StorageBackend,
  migration: string,
  options: MigrationBedOptions = {},
): MigrationBed {
  const from = options.from === undefined ? previousMigration(migration) : options.from;
  const expected = NAMES.slice(
    from === null ? 0 : indexOfMigration(from) + 1,
    indexOfMigration(migration) + 1,
  );
  let opened: OpenedStore | null = null;
  let applied: readonly string[] = [];
  const db = (): Kysely<unknown> => {
    assert(opened !== null, 'the store is opened in beforeAll');
    return opened.storage.db as Kysely<unknown>;
  };

  beforeAll(async () => {
    opened = await backend.openEmpty();
    if (from !== null) await migrateTo(db(), from);
    await options.seed?.(db());
    applied = (await migrateTo(db(), migration)).applied;
    expect(applied).toEqual(expected);
  });
  afterAll(async () => {
    await opened?.close();
  });

  return {
    migration,
    db,
    run: (query) => query.execute(db()),
    applied: () => applied,
  };
}

/**
 * The last block of every migration suite: call it after the suite's other tests, since it
 * moves the schema past the migration under test.
 */
export function describeLaterMigrations(bed: Pick<MigrationBed, 'migration' | 'db'>): void {
  describe('followed by migrateToLatest', () => {
    it('applies exactly the later migrations once, and nothing on a second run', async () => {
      const later = NAMES.slice(indexOfMigration(bed.migration) + 1);
      expect((await migrateToLatest(bed.db())).applied).toEqual(later);
      expect((await migrateToLatest(bed.db())).applied).toEqual([]);
    });
  });
}

/*
 * Row builders. They write raw SQL rather than going through the stores, which know only the
 * newest schema: a migration test writes rows as they were before it ran. Each returns the id.
 */

export async function insertOrganization(
  db: Kysely<unknown>,
  values: { readonly id?: string } = {},
): Promise<string> {
  const id = values.id ?? randomUUID();
  await sql`insert into organizations (id, slug, name, created_at)
    values (${id}, ${`org-${id}`}, 'Stadt', now())`.execute(db);
  return id;
}

export async function insertUser(
  db: Kysely<unknown>,
  values: {
    readonly organizationId: string;
    readonly id?: string;
    readonly role?: string;
    readonly status?: string;
  },
): Promise<string> {
  const id = values.id ?? randomUUID();
  await sql`insert into users (id, organization_id, username, username_key, display_name,
      role, status, created_at, updated_at)
    values (${id}, ${values.organizationId}, ${id}, ${id}, 'Anna', ${values.role ?? 'member'},
      ${values.status ?? 'active'}, now(), now())`.execute(db);
  return id;
}

export async function insertDevice(
  db: Kysely<unknown>,
  values: {
    readonly organizationId: string;
    readonly userId: string;
    readonly id?: string;
    readonly kind?: string;
  },
): Promise<string> {
  const id = values.id ?? randomUUID();
  await sql`insert into devices
      (id, organization_id, user_id, name, platform, kind, created_at, last_seen_at)
    values (${id}, ${values.organizationId}, ${values.userId}, 'PC', 'web',
      ${values.kind ?? 'managed'}, now(), now())`.execute(db);
  return id;
}

export async function insertConversation(
  db: Kysely<unknown>,
  values: {
    readonly organizationId: string;
    readonly id?: string;
    readonly kind?: string;
    readonly lastSeq?: number;
  },
): Promise<string> {
  const id = values.id ?? randomUUID();
  await sql`insert into conversations
      (id, organization_id, kind, ciphersuite, epoch, last_seq, created_at)
    values (${id}, ${values.organizationId}, ${values.kind ?? 'group'}, 83, 0,
      ${values.lastSeq ?? 0}, now())`.execute(db);
  return id;
}

/** A conversation member; `departure` exists from 0007-member-departure on, so it is optional. */
export async function insertMember(
  db: Kysely<unknown>,
  values: {
    readonly conversationId: string;
    readonly userId: string;
    readonly role?: string;
    readonly isRemoved?: boolean;
    readonly departure?: string | null;
  },
): Promise<void> {
  const departure =
    values.departure === undefined
      ? { column: sql``, value: sql`` }
      : { column: sql`, departure`, value: sql`, ${values.departure}` };
  await sql`insert into conversation_members
      (conversation_id, user_id, role, added_at, removed_at${departure.column})
    values (${values.conversationId}, ${values.userId}, ${values.role ?? 'member'}, now(),
      ${values.isRemoved === true ? sql`now()` : null}${departure.value})`.execute(db);
}
