import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/open-storage.js';
import { MAX_PREPARED, PREPARE_AFTER } from '../../src/storage/preparing-pool.js';
import { POSTGRES_SKIP_REASON } from '../support/backends.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe.skipIf(POSTGRES_SKIP_REASON !== null)('statements prepared on PostgreSQL', () => {
  let database: TestDatabase;
  let storage: Storage;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection: what one statement prepares, the next one sees.
    storage = await openStorage({ kind: 'postgres', url: database.url, maxConnections: 1 });
  });
  afterAll(async () => {
    await storage.close();
    await database.drop();
  });

  const preparedTexts = async (): Promise<string[]> => {
    const { rows } = await sql<{ statement: string }>`
      select statement from pg_prepared_statements where name like 'a\\_%'`.execute(storage.db);
    return rows.map((r) => r.statement);
  };

  it('prepares a statement once it was sent a few times, and answers it as before', async () => {
    const answers: number[] = [];
    for (let i = 0; i < PREPARE_AFTER + 2; i += 1) {
      const { rows } = await sql<{ n: number }>`select ${i}::int + 40 as n`.execute(storage.db);
      answers.push(rows[0]?.n ?? -1);
    }
    expect(answers).toEqual([40, 41, 42, 43, 44]);
    expect(await preparedTexts()).toContain('select $1::int + 40 as n');
  });

  it('leaves a statement sent fewer times unnamed', async () => {
    await sql`select 1 + 1 as seldom`.execute(storage.db);
    expect((await preparedTexts()).some((t) => t.includes('seldom'))).toBe(false);
  });

  it('keeps typed errors of prepared statements', async () => {
    for (let i = 0; i < PREPARE_AFTER + 1; i += 1) {
      await expect(sql`select 1 / ${0}::int as broken`.execute(storage.db)).rejects.toMatchObject({
        code: '22012',
      });
    }
  });

  it('names at most MAX_PREPARED texts', async () => {
    for (let i = 0; i < MAX_PREPARED + 10; i += 1) {
      for (let j = 0; j < PREPARE_AFTER; j += 1) {
        await sql`select ${sql.raw(String(i))} as many`.execute(storage.db);
      }
    }
    expect((await preparedTexts()).length).toBeLessThanOrEqual(MAX_PREPARED);
  });
});
