import { sql, type Kysely } from 'kysely';
import { assertNever } from '../../src/errors.js';

/** Reads the schema back from the PostgreSQL catalog, for migration tests on either backend. */

const MIGRATOR_TABLES = ['amtsbote_migrations', 'amtsbote_migrations_lock'];

/** The application's tables in the public schema, sorted; the migrator's own are left out. */
export async function listTables<DB>(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'
    order by table_name
  `.execute(db);
  return rows.map((r) => r.table_name).filter((t) => !MIGRATOR_TABLES.includes(t));
}

/** Each column as "name type [not null]" in table order, e.g. "id uuid not null". */
export async function describeColumns<DB>(db: Kysely<DB>, table: string): Promise<string[]> {
  const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
    select column_name, data_type, is_nullable from information_schema.columns
    where table_schema = 'public' and table_name = ${table}
    order by ordinal_position
  `.execute(db);
  return rows.map(
    (r) => `${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`,
  );
}

const ON_DELETE: Readonly<Record<string, string>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
};

/**
 * Primary, unique and foreign keys of the public schema, one line each and sorted, e.g.
 * "users unique (organization_id, username_key)" or
 * "devices foreign key (user_id) references users (id) on delete cascade".
 */
export async function listKeyConstraints<DB>(db: Kysely<DB>): Promise<string[]> {
  const { rows } = await sql<{
    table: string;
    type: 'p' | 'u' | 'f';
    columns: string;
    foreign_table: string | null;
    foreign_columns: string | null;
    on_delete: string;
  }>`
    select
      rel.relname::text as "table",
      con.contype::text as "type",
      (select string_agg(att.attname::text, ', ' order by k.ord)
         from unnest(con.conkey) with ordinality as k(attnum, ord)
         join pg_attribute att on att.attrelid = con.conrelid and att.attnum = k.attnum) as columns,
      frel.relname::text as foreign_table,
      (select string_agg(att.attname::text, ', ' order by k.ord)
         from unnest(con.confkey) with ordinality as k(attnum, ord)
         join pg_attribute att on att.attrelid = con.confrelid and att.attnum = k.attnum)
        as foreign_columns,
      con.confdeltype::text as on_delete
    from pg_constraint con
    join pg_class rel on rel.oid = con.conrelid
    join pg_namespace ns on ns.oid = rel.relnamespace
    left join pg_class frel on frel.oid = con.confrelid
    where ns.nspname = 'public' and con.contype in ('p', 'u', 'f')
  `.execute(db);
  return rows
    .filter((r) => !MIGRATOR_TABLES.includes(r.table))
    .map((r) => {
      switch (r.type) {
        case 'p':
          return `${r.table} primary key (${r.columns})`;
        case 'u':
          return `${r.table} unique (${r.columns})`;
        case 'f':
          return `${r.table} foreign key (${r.columns}) references ${r.foreign_table ?? '?'} (${r.foreign_columns ?? '?'}) on delete ${ON_DELETE[r.on_delete] ?? r.on_delete}`;
        default:
          return assertNever(r.type);
      }
    })
    .sort();
}
