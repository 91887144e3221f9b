import type { Page, PageRequest } from '../../shared/page.js';
import type { LegacyEntity } from '../../plugin-api/legacy-source.port.js';
import type { LegacyMapping, MigrationFailure, MigrationRun, MigrationSourceState, MigrationStatus } from '../migration-run.entity.js';

export interface MigrationRunFilter {
  source?: string | undefined;
  status?: MigrationStatus | undefined;
}

export interface MigrationRunRepository {
  insert(run: MigrationRun): Promise<void>;
  get(id: string): Promise<MigrationRun | null>;
  /** Writes the whole run (status, checkpoint, counters, progress). The caller holds the run's lock. */
  update(run: MigrationRun): Promise<void>;
  /** Newest first (createdAt desc, then id). */
  list(filter: MigrationRunFilter, page: PageRequest): Promise<Page<MigrationRun>>;
  /** Runs still `running` (to resume after a restart), oldest first. */
  listRunning(limit: number): Promise<MigrationRun[]>;
  addFailures(runId: string, failures: readonly MigrationFailure[]): Promise<void>;
  /** In the order they were added. */
  failures(runId: string, limit: number): Promise<MigrationFailure[]>;
  /**
   * This transaction need not wait for its commit to reach the disk (PostgreSQL's
   * `synchronous_commit = off` for it alone): a batch lost in a database crash is lost together with
   * its checkpoint, and the run redoes it. Never for anything acknowledged to a source.
   */
  relaxCommit(): Promise<void>;
  /**
   * The writes of this transaction so far go to the database now, without waiting for its answer,
   * so that it works on them while the batch builds the next ones (a failure surfaces at the next
   * read or at commit). Changes nothing about what the transaction does.
   */
  sendAhead(): Promise<void>;
}

export interface LegacyMapRepository {
  /** The mappings of these external ids that exist. */
  findMany(externalIds: readonly string[]): Promise<LegacyMapping[]>;
  /** Inserts or replaces (by external id). */
  upsertMany(mappings: readonly LegacyMapping[]): Promise<void>;
  count(system: string, entity: LegacyEntity): Promise<number>;
  /** The mapping whose hub id is `hubId` (a conversation's ticket), if any. */
  findByHubId(entity: LegacyEntity, hubId: string): Promise<LegacyMapping | null>;
}

export interface MigrationSourceRepository {
  get(source: string): Promise<MigrationSourceState | null>;
  put(state: MigrationSourceState): Promise<void>;
  list(): Promise<MigrationSourceState[]>;
}

export interface MigrationSession {
  readonly migrationRuns: MigrationRunRepository;
  readonly legacyMap: LegacyMapRepository;
  readonly migrationSources: MigrationSourceRepository;
}
