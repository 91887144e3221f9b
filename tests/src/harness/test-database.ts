import pg from 'pg';
import { createTestDatabase as createEmptyDatabase } from '@switchboard/storage-postgres/testing';

export interface TestDatabase {
  /** Connection string of the fresh database. */
  url: string;
  name: string;
  /** A small pool on the database, for assertions that look in the store. */
  pool: pg.Pool;
  /** Closes the pool and drops the database (WITH (FORCE): hub processes may still hold connections). */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the PostgreSQL server named by `TEST_DATABASE_URL` (default: the
 * loopback server as user postgres), with a pool for looking into it. The hub migrates it at start.
 */
export const createTestDatabase = async (): Promise<TestDatabase> => {
  const database = await createEmptyDatabase();
  const url = database.url;
  const name = new URL(url).pathname.slice(1);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client that loses its connection (the database is dropped) must not crash the runner.
  pool.on('error', () => undefined);
  let dropped = false;
  return {
    url,
    name,
    pool,
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => undefined);
      await database.drop();
    },
  };
};

/** `SELECT count(*)` of a table, optionally filtered by a WHERE clause with parameters. */
export const countRows = async (pool: pg.Pool, table: string, where = 'true', params: unknown[] = []): Promise<number> => {
  const result = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE ${where}`, params);
  return Number(result.rows[0]?.n ?? 0);
};
