import { EventEmitter } from 'node:events';
import { Mutex, type PGlite, type Results } from '@electric-sql/pglite';

/** What TypeORM's Postgres driver reads from a `pg` query result. */
export interface PgShapedResult {
  rows: unknown[];
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
  command: string;
}

type QueryCallback = (error: Error | null, result?: PgShapedResult) => void;
type Release = (error?: unknown) => void;
type ConnectCallback = (error: Error | null, client?: PgliteClient, release?: Release) => void;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

const toPgResult = (result: Results<Record<string, unknown>> | undefined): PgShapedResult => {
  const rows: unknown[] = result?.rows ?? [];
  return {
    rows,
    rowCount: result?.rowCount ?? result?.affectedRows ?? rows.length,
    fields: result?.fields ?? [],
    command: (result?.command ?? '').toUpperCase(),
  };
};

/** One "connection" to the PGlite session; valid only while its holder owns the pool's mutex. */
export class PgliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(sql: string, callback: QueryCallback): void;
  query(sql: string, params?: readonly unknown[]): Promise<PgShapedResult>;
  query(sql: string, params: readonly unknown[] | undefined, callback: QueryCallback): void;
  query(
    sql: string,
    paramsOrCallback?: readonly unknown[] | QueryCallback,
    maybeCallback?: QueryCallback,
  ): Promise<PgShapedResult> | void {
    const params = typeof paramsOrCallback === 'function' ? undefined : paramsOrCallback;
    const callback = typeof paramsOrCallback === 'function' ? paramsOrCallback : maybeCallback;
    // Parameterised statements go through the extended protocol (one statement); the rest through
    // the simple protocol, which also runs multi-statement SQL and answers with the last result.
    const running =
      params !== undefined && params.length > 0
        ? this.db.query<Record<string, unknown>>(sql, [...params]).then(toPgResult)
        : this.db.exec(sql).then((results) => toPgResult(results.at(-1)));
    if (callback === undefined) return running;
    // Callbacks run on a later tick, as with `pg`, and both outcomes are handled.
    running.then(
      (result) => process.nextTick(callback, null, result),
      (error: unknown) => process.nextTick(callback, asError(error)),
    );
  }

  /** Runs multi-statement SQL through the simple protocol and answers one result per statement. */
  async queryAll(sql: string): Promise<PgShapedResult[]> {
    return (await this.db.exec(sql)).map(toPgResult);
  }
}

/**
 * A `pg.Pool` look-alike over one PGlite. PGlite has a single session, so the pool lends one
 * connection at a time: `connect()` holds the mutex until TypeORM releases the connection, which
 * keeps transactions (and reads) from interleaving on that session.
 */
export class PglitePool extends EventEmitter {
  private ended = false;

  constructor(
    private readonly db: PGlite,
    private readonly mutex: Mutex,
  ) {
    super();
  }

  connect(callback: ConnectCallback): void;
  connect(): Promise<PgliteClient & { release: Release }>;
  connect(callback?: ConnectCallback): Promise<PgliteClient & { release: Release }> | void {
    const acquired = this.acquire();
    if (callback === undefined) return acquired.then(([client, release]) => Object.assign(client, { release }));
    acquired.then(
      ([client, release]) => process.nextTick(callback, null, client, release),
      (error: unknown) => process.nextTick(callback, asError(error)),
    );
  }

  /** Closing the PGlite itself is left to its owner. */
  end(callback?: (error?: Error) => void): Promise<void> | void {
    this.ended = true;
    if (callback === undefined) return Promise.resolve();
    process.nextTick(callback);
  }

  private async acquire(): Promise<[PgliteClient, Release]> {
    if (this.ended) throw new Error('the PGlite pool has been closed');
    const unlock = await this.mutex.acquire();
    let released = false;
    const release: Release = () => {
      // TypeORM may release twice on error paths; the mutex must be given back exactly once.
      if (released) return;
      released = true;
      unlock();
    };
    return [new PgliteClient(this.db), release];
  }
}

/** The `driver` module TypeORM's Postgres driver takes in place of `pg`. */
export interface PgliteDriverModule {
  Pool: new (options?: unknown) => PglitePool;
}

/** Every pool made from one module shares one mutex, because they share the one PGlite session. */
export const pgliteDriver = (db: PGlite): PgliteDriverModule => {
  const mutex = new Mutex();
  return {
    Pool: class extends PglitePool {
      constructor() {
        super(db, mutex);
      }
    },
  };
};
