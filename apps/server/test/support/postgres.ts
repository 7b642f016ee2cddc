import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL the tests use: AMTSBOTE_TEST_POSTGRES_URL, or the local server's maintenance
 * database. Each suite creates its own database and drops it afterwards.
 */
export const POSTGRES_ADMIN_URL =
  process.env['AMTSBOTE_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresAvailability =
  { readonly isAvailable: true } | { readonly isAvailable: false; readonly reason: string };

let cached: Promise<PostgresAvailability> | null = null;

/**
 * Whether PostgreSQL answers. In CI (CI=true) it must: an unreachable server fails the run
 * instead of quietly skipping the PostgreSQL half of the suite.
 */
export function postgresAvailability(): Promise<PostgresAvailability> {
  cached ??= (async (): Promise<PostgresAvailability> => {
    const client = new pg.Client({
      connectionString: POSTGRES_ADMIN_URL,
      connectionTimeoutMillis: 3_000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      return { isAvailable: true };
    } catch (error) {
      const reason = `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host} is not reachable (${error instanceof Error ? error.message : String(error)})`;
      if (process.env['CI'] === 'true') throw new Error(`${reason}; CI requires it`);
      return { isAvailable: false, reason };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return cached;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database for one suite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `amtsbote_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
