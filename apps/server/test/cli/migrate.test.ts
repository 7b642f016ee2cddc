import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/storage/migrations/index.js';
import {
  CliProcesses,
  ensureCliBuilt,
  makeTempDir,
  removeDir,
  type CliResult,
} from '../support/cli-process.js';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const ALL_MIGRATIONS = Object.keys(MIGRATIONS);

const processes = new CliProcesses();
const dataDirs: string[] = [];

async function freshDataDir(): Promise<string> {
  const dir = await makeTempDir();
  dataDirs.push(dir);
  return dir;
}

/** The JSON report of `migrate --json`; the whole of stdout is one JSON line. */
function report(result: CliResult): unknown {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.endsWith('\n')).toBe(true);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout);
}

const postgresSkipReason = POSTGRES_SKIP_REASON;

describe('amtsbote migrate on the embedded database', () => {
  beforeAll(ensureCliBuilt, 240_000);
  afterEach(async () => {
    await processes.killAll();
    await Promise.all(dataDirs.splice(0).map(removeDir));
  });

  it('applies every migration in order on a fresh data directory, then nothing on a second run', async () => {
    expect(ALL_MIGRATIONS[0]).toBe('0001-identity');
    const env = { AMTSBOTE_DATA_DIR: await freshDataDir() };
    const first = await processes.run(['migrate', '--json'], { env, timeoutMs: 90_000 });
    expect(report(first)).toEqual({ applied: ALL_MIGRATIONS });
    const second = await processes.run(['migrate', '--json'], { env, timeoutMs: 90_000 });
    expect(report(second)).toEqual({ applied: [] });
  }, 180_000);

  it('reports in words without --json and leaves no lock behind', async () => {
    const dataDir = await freshDataDir();
    const env = { AMTSBOTE_DATA_DIR: dataDir };
    const first = await processes.run(['migrate'], { env, timeoutMs: 90_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`applied: ${ALL_MIGRATIONS.join(', ')}\n`);
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);
    const second = await processes.run(['migrate'], { env, timeoutMs: 90_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('schema is up to date\n');
  }, 180_000);
});

describe.skipIf(postgresSkipReason !== null)(
  `amtsbote migrate on PostgreSQL${postgresSkipReason === null ? '' : ` (skipped: ${postgresSkipReason})`}`,
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      await ensureCliBuilt();
      database = await createTestDatabase();
    }, 240_000);
    afterEach(async () => {
      await processes.killAll();
      await Promise.all(dataDirs.splice(0).map(removeDir));
    });
    afterAll(async () => {
      await database.drop();
    });

    it('applies every migration on an empty database, then nothing, without using the data directory', async () => {
      const dataDir = path.join(await freshDataDir(), 'unused');
      const env = { AMTSBOTE_DATA_DIR: dataDir, AMTSBOTE_DATABASE_URL: database.url };
      const first = await processes.run(['migrate', '--json'], { env });
      expect(report(first)).toEqual({ applied: ALL_MIGRATIONS });
      const second = await processes.run(['migrate', '--json'], { env });
      expect(report(second)).toEqual({ applied: [] });
      expect(existsSync(dataDir)).toBe(false);

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const rows = await client.query<{ name: string }>(
          'select name from amtsbote_migrations order by name',
        );
        expect(rows.rows.map((r) => r.name)).toEqual(ALL_MIGRATIONS);
      } finally {
        await client.end();
      }
    }, 120_000);
  },
);
