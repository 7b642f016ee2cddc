import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/*
 * Statements PostgreSQL parses and plans once per connection instead of on every call. Kysely
 * sends every query unnamed, so PostgreSQL plans it each time; for the statement that stores a
 * message, planning cost as much as running it (EXPLAIN in the load harness). A text seen
 * PREPARE_AFTER times is sent under a name derived from the text, which node-postgres prepares
 * on each connection the first time and reuses after. Texts that vary (a list of values of any
 * length) never reach the count, and at most MAX_PREPARED texts are ever named, so neither
 * this process nor a connection holds an unbounded set.
 */

export const PREPARE_AFTER = 3;
export const MAX_PREPARED = 500;
/** Texts counted; past this the counts start again (texts that vary would fill it). */
const MAX_COUNTED = 10_000;

function statementName(text: string): string {
  return `a_${createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
}

class StatementNames {
  readonly #named = new Map<string, string>();
  readonly #seen = new Map<string, number>();

  /** The name to prepare this text under, or null to send it unnamed. */
  nameOf(text: string): string | null {
    const named = this.#named.get(text);
    if (named !== undefined) return named;
    if (this.#named.size >= MAX_PREPARED) return null;
    const seen = (this.#seen.get(text) ?? 0) + 1;
    if (seen < PREPARE_AFTER) {
      if (this.#seen.size >= MAX_COUNTED) this.#seen.clear();
      this.#seen.set(text, seen);
      return null;
    }
    this.#seen.delete(text);
    const name = statementName(text);
    this.#named.set(text, name);
    return name;
  }
}

/** A Kysely pool over node-postgres's that names the statements sent often (see above). */
export function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new StatementNames();
  return {
    connect: async (): Promise<PostgresPoolClient> => {
      const client = await pool.connect();
      function query<R>(
        sql: string,
        parameters: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(
        sqlOrCursor: string | PostgresCursor<R>,
        parameters?: ReadonlyArray<unknown>,
      ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        if (typeof sqlOrCursor !== 'string') {
          return client.query(
            sqlOrCursor as unknown as pg.Submittable,
          ) as unknown as PostgresCursor<R>;
        }
        const name = names.nameOf(sqlOrCursor);
        const values = [...(parameters ?? [])];
        const result =
          name === null
            ? client.query(sqlOrCursor, values)
            : client.query({ name, text: sqlOrCursor, values });
        return result as unknown as Promise<PostgresQueryResult<R>>;
      }
      return { query, release: () => client.release() };
    },
    end: () => pool.end(),
  };
}
