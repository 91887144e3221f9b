import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Health, Store, StoreSession } from '@switchboard/core';
import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import { migrations } from './migrations/index.js';
import { lockDataDir } from './data-dir-lock.js';
import { pgliteDriver } from './pglite-driver.js';
import {
  buildTemplate,
  cacheRoot,
  compilePgliteWasm,
  ensureClusterTemplate,
  isCluster,
  schemaTemplateDir,
  seedDataDir,
} from './pglite-template.js';
import { StatementBatch } from './statement-batch.js';
import { entitySchemas } from './schemas/index.js';
import { createStoreSession } from './typeorm-store-session.js';

// Held for the whole migration run so that hub processes starting together migrate one at a time.
const MIGRATION_LOCK = 'switchboard.schema-migrations';

/** How a TypeormStore reaches its database: a PostgreSQL server or an embedded PGlite. */
export interface StoreEngine {
  readonly name: 'postgres' | 'pglite';
  open(): Promise<DataSource>;
  /** Called once by `close()`, with the DataSource if one was opened. */
  close(dataSource: DataSource | null): Promise<void>;
  /** Removes connection secrets from a text that may leave the process (health details, logs). */
  redact(text: string): string;
}

const baseOptions = {
  type: 'postgres',
  entities: entitySchemas,
  migrations,
  migrationsTableName: 'schema_migrations',
  synchronize: false,
  migrationsRun: false,
  // no CREATE EXTENSION: PGlite has no uuid-ossp, and ids come from the core anyway
  installExtensions: false,
  uuidExtension: 'pgcrypto',
  logging: false,
} as const satisfies Partial<DataSourceOptions>;

/** The migrations' names, as TypeORM records them in the history table. */
const migrationNames = (): string[] => migrations.map((Migration) => new Migration().name ?? Migration.name);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The Store port on TypeORM; opens its DataSource on first use and again after a failed open. */
/** How many times a transaction chosen as a deadlock's victim is run before its error is answered. */
const DEADLOCK_ATTEMPTS = 4;

/** PostgreSQL's deadlock_detected (40P01), as TypeORM wraps it. */
const isDeadlock = (error: unknown): boolean => {
  if (typeof error !== 'object' || error === null) return false;
  const { code, driverError } = error as { code?: unknown; driverError?: { code?: unknown } };
  return code === '40P01' || driverError?.code === '40P01';
};

export class TypeormStore implements Store {
  private opening: Promise<DataSource> | null = null;
  private closed = false;

  /** Present on PostgreSQL only: PGlite's one connection would be taken from every writer for as long as the snapshot lasts. */
  readonly snapshot: (<T>(work: (session: StoreSession) => Promise<T>) => Promise<T>) | undefined;

  constructor(private readonly engine: StoreEngine) {
    this.snapshot = engine.name === 'postgres' ? (work) => this.inSnapshot(work) : undefined;
  }

  /**
   * Runs `work` in a transaction. A transaction PostgreSQL picks as a deadlock's victim is rolled
   * back and run again (up to DEADLOCK_ATTEMPTS times, after a short random pause), so two use
   * cases that meet in opposite lock order cost a retry, not a 500: `work` only touches the
   * session, and what it wrote is gone with the rollback.
   */
  async transaction<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.transactionOnce(work);
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 25 * attempt));
      }
    }
  }

  private async transactionOnce<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    const runner = dataSource.createQueryRunner();
    // BEGIN, locks and writes wait for the next statement that needs an answer (statement-batch.ts).
    StatementBatch.install(runner);
    try {
      await runner.startTransaction();
      try {
        const result = await work(createStoreSession(runner.manager, true));
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  async read<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    // one connection for the whole read: with PGlite it is the only one, so reads queue behind transactions
    const runner = dataSource.createQueryRunner();
    try {
      return await work(createStoreSession(runner.manager, false));
    } finally {
      await runner.release();
    }
  }

  private async inSnapshot<T>(work: (session: StoreSession) => Promise<T>): Promise<T> {
    const dataSource = await this.dataSource();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      try {
        return await work(createStoreSession(runner.manager, false));
      } finally {
        await runner.query('ROLLBACK').catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  async migrate(): Promise<void> {
    const dataSource = await this.dataSource();
    if (await this.migrated(dataSource)) return;
    // The lock and the migrations share one connection: a pool of one (PGlite) cannot lend a second.
    const runner = dataSource.createQueryRunner();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
      try {
        const executor = new MigrationExecutor(dataSource, runner);
        executor.transaction = 'all';
        await executor.executePendingMigrations();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [MIGRATION_LOCK]);
      }
    } finally {
      await runner.release();
    }
  }

  // Two plain reads instead of TypeORM's lock, catalog queries and history load, at every start.
  private async migrated(dataSource: DataSource): Promise<boolean> {
    const [table] = await dataSource.query<{ found: boolean }[]>(`SELECT to_regclass($1) IS NOT NULL AS found`, [baseOptions.migrationsTableName]);
    if (table?.found !== true) return false;
    const applied = await dataSource.query<{ name: string }[]>(`SELECT name FROM ${baseOptions.migrationsTableName}`);
    const names = new Set(applied.map((row) => row.name));
    return migrationNames().every((name) => names.has(name));
  }

  /** Runs one raw statement on its own connection, outside any transaction (operations scripts, tests). */
  async sql<Row = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const dataSource = await this.dataSource();
    return dataSource.query<Row[]>(text, [...params]);
  }

  async health(): Promise<Health> {
    try {
      const dataSource = await this.dataSource();
      await dataSource.query('SELECT 1');
      return { status: 'up' };
    } catch (error) {
      return { status: 'down', detail: this.engine.redact(messageOf(error)) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const opening = this.opening;
    this.opening = null;
    const dataSource = opening === null ? null : await opening.catch(() => null);
    await this.engine.close(dataSource);
  }

  private dataSource(): Promise<DataSource> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    this.opening ??= this.engine.open().catch((error: unknown) => {
      this.opening = null;
      throw new Error(this.engine.redact(`cannot open the ${this.engine.name} store: ${messageOf(error)}`), { cause: error });
    });
    return this.opening;
  }
}

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  poolSize?: number | undefined;
}

const IDLE_CONNECTION_MS = 60_000;

/** The Store on a PostgreSQL server (15 or newer) through `pg`. */
export const createPostgresStore = ({ url, poolSize = 10 }: PostgresStoreOptions): TypeormStore => {
  const secrets = secretsOf(url);
  return new TypeormStore({
    name: 'postgres',
    async open() {
      // A connection idle for a minute is closed (pg's default is 10 s): under steady load the few
      // beyond the ones always busy would otherwise close and open again every few seconds, and a
      // new PostgreSQL backend costs milliseconds of CPU to start, warm its caches and end.
      const dataSource = new DataSource({ ...baseOptions, url, poolSize, applicationName: 'switchboard', connectTimeoutMS: 10_000, extra: { idleTimeoutMillis: IDLE_CONNECTION_MS } });
      return dataSource.initialize();
    },
    async close(dataSource) {
      if (dataSource?.isInitialized) await dataSource.destroy();
    },
    redact: (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text),
  });
};

export interface EmbeddedStoreOptions {
  /** A folder (created if missing) or `memory://` for a throw-away database. */
  dataDir: string;
  /** The folder of template clusters a new data folder starts from (pglite-template.ts); null: initdb in place. */
  templateCache?: string | null | undefined;
  /** Told why no template could be used; the store then initialises the folder itself. */
  onTemplateError?: ((message: string) => void) | undefined;
}

// PGlite's 128 MB of shared buffers are all touched at start: 16 MB is 140 MB less RSS, and an
// embedded hub's working set fits; the operating system caches the data files besides.
const PGLITE_SETTINGS = ['shared_buffers=16MB'];

/** The template a new data folder is copied from: the migrated schema if made, else the bare cluster. */
const chooseTemplate = async (root: string): Promise<string> => {
  const schema = schemaTemplateDir(root, migrationNames());
  return isCluster(schema) ? schema : ensureClusterTemplate(root);
};

/** The Store on PGlite, PostgreSQL compiled to WASM and run in this process. */
export const createEmbeddedStore = ({ dataDir, templateCache = cacheRoot(), onTemplateError }: EmbeddedStoreOptions): TypeormStore => {
  let db: PGlite | null = null;
  let unlock: (() => Promise<void>) | null = null;
  return new TypeormStore({
    name: 'pglite',
    async open() {
      // Compiled meanwhile on V8's background threads: the copy below is mostly waiting for the disk.
      const wasm = db === null ? compilePgliteWasm() : null;
      wasm?.catch(() => undefined);
      const inMemory = dataDir.startsWith('memory://');
      if (!inMemory && unlock === null) {
        await mkdir(dirname(dataDir), { recursive: true });
        // PGlite takes no lock of its own; a second process on the folder would corrupt it.
        unlock = await lockDataDir(dataDir);
      }
      if (!inMemory && templateCache !== null && db === null) {
        // Without a template (a read-only installation, say) PGlite runs initdb in place, as before.
        await seedDataDir(dataDir, () => chooseTemplate(templateCache)).catch((error: unknown) => onTemplateError?.(messageOf(error)));
      }
      if (!inMemory) await mkdir(dataDir, { recursive: true });
      const pglite =
        db ??
        (await PGlite.create(dataDir, {
          startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
          ...(wasm === null ? {} : { pgliteWasmModule: await wasm }),
        }));
      db = pglite;
      const dataSource = new DataSource({ ...baseOptions, driver: pgliteDriver(pglite) });
      return dataSource.initialize();
    },
    async close(dataSource) {
      if (dataSource?.isInitialized) await dataSource.destroy();
      const pglite = db;
      db = null;
      if (pglite !== null && !pglite.closed) await pglite.close();
      const release = unlock;
      unlock = null;
      await release?.();
    },
    redact: (text) => text,
  });
};

/**
 * Makes the templates new embedded data folders start from: the bare cluster and the migrated
 * schema (run by `npm install`; the hub makes the bare one itself when it is missing).
 */
export const prepareEmbeddedTemplates = async (root: string = cacheRoot()): Promise<string> => {
  const cluster = await ensureClusterTemplate(root);
  return buildTemplate(schemaTemplateDir(root, migrationNames()), async (folder) => {
    await seedDataDir(folder, async () => cluster);
    const store = createEmbeddedStore({ dataDir: folder, templateCache: null });
    try {
      // Two thirds of the files a new data folder copies are the template databases, which only
      // CREATE DATABASE reads (`CREATE DATABASE x TEMPLATE postgres` still works). One statement
      // at a time: DROP DATABASE refuses to run in a transaction block.
      await store.sql(`UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')`);
      await store.sql('DROP DATABASE template0');
      await store.sql('DROP DATABASE template1');
      await store.migrate();
    } finally {
      await store.close();
    }
  });
};

// The URL itself and its password (raw and decoded) are what must never appear in a detail.
const secretsOf = (url: string): string[] => {
  const secrets = [url];
  try {
    const password = new URL(url).password;
    if (password !== '') secrets.push(password, decodeURIComponent(password));
  } catch {
    // not a URL: the whole string is already listed
  }
  return secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
};
