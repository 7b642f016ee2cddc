import { sql } from 'kysely';
import type { TestServer } from './test-server.js';

/**
 * Every value of every column of every table in the public schema, as text. bytea is read with
 * 'escape' encoding (printable ASCII as it is), or as hex to look for binary secrets.
 */
export async function dumpDatabase(
  server: TestServer,
  binaryEncoding: 'escape' | 'hex' = 'escape',
): Promise<string[]> {
  const db = server.handle.storage.db;
  const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = 'public' order by table_name, ordinal_position`.execute(db);
  const tables = new Map<string, { name: string; isBinary: boolean }[]>();
  for (const c of columns.rows) {
    const list = tables.get(c.table_name) ?? [];
    list.push({ name: c.column_name, isBinary: c.data_type === 'bytea' });
    tables.set(c.table_name, list);
  }
  const values: string[] = [];
  for (const [table, cols] of tables) {
    const selections = cols.map((c) =>
      c.isBinary
        ? sql`encode(${sql.ref(c.name)}, ${sql.lit(binaryEncoding)})`
        : sql`${sql.ref(c.name)}::text`,
    );
    const rows = await sql<Record<string, string | null>>`
      select ${sql.join(selections)} from ${sql.table(table)}`.execute(db);
    for (const row of rows.rows) {
      for (const value of Object.values(row)) if (value !== null) values.push(value);
    }
  }
  return values;
}
