import {
  isId,
  readKeyset,
  type LegacyEntity,
  type LegacyMapRepository,
  type LegacyMapping,
  type MigrationFailure,
  type MigrationRun,
  type MigrationRunFilter,
  type MigrationRunRepository,
  type MigrationSourceRepository,
  type MigrationSourceState,
  type Page,
  type PageRequest,
} from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { execute, sendAhead, sqlLiteral } from '../statement-batch.js';
import { pageSize, toPage } from './keyset.js';

interface RunRow {
  id: string;
  source: string;
  system: string | null;
  mode: MigrationRun['mode'];
  dry_run: boolean;
  sample: number | null;
  cutover: boolean;
  status: MigrationRun['status'];
  cancel_requested: boolean;
  checkpoint: MigrationRun['checkpoint'];
  start_watermark: string | null;
  counters: MigrationRun['counters'];
  progress: MigrationRun['progress'];
  error: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
}

const date = (value: Date | string): Date => (value instanceof Date ? value : new Date(value));

const toRun = (r: RunRow): MigrationRun => ({
  id: r.id,
  source: r.source,
  system: r.system,
  mode: r.mode,
  dryRun: r.dry_run,
  sample: r.sample,
  cutover: r.cutover,
  status: r.status,
  cancelRequested: r.cancel_requested,
  checkpoint: r.checkpoint,
  startWatermark: r.start_watermark,
  counters: r.counters,
  progress: r.progress,
  error: r.error,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
  finishedAt: r.finished_at === null ? null : date(r.finished_at),
});

const RUN_COLUMNS =
  'id, source, system, mode, dry_run, sample, cutover, status, cancel_requested, checkpoint, start_watermark, counters, progress, error, created_at, updated_at, finished_at';

const runValues = (run: MigrationRun): unknown[] => [
  run.id,
  run.source,
  run.system,
  run.mode,
  run.dryRun,
  run.sample,
  run.cutover,
  run.status,
  run.cancelRequested,
  JSON.stringify(run.checkpoint),
  run.startWatermark,
  JSON.stringify(run.counters),
  JSON.stringify(run.progress),
  run.error,
  run.createdAt,
  run.updatedAt,
  run.finishedAt,
];

export class TypeormMigrationRunRepository implements MigrationRunRepository {
  constructor(private readonly manager: EntityManager) {}

  async insert(run: MigrationRun): Promise<void> {
    await execute(this.manager, `INSERT INTO migration_runs (${RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13::jsonb, $14, $15, $16, $17)`, runValues(run));
  }

  async get(id: string): Promise<MigrationRun | null> {
    if (!isId(id)) return null;
    const rows = await this.manager.query<RunRow[]>(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  async update(run: MigrationRun): Promise<void> {
    // Held back with the batch's writes: the checkpoint commits with them.
    await execute(
      this.manager,
      `UPDATE migration_runs SET system = $3, status = $8, cancel_requested = $9, checkpoint = $10::jsonb, start_watermark = $11, counters = $12::jsonb,
         progress = $13::jsonb, error = $14, updated_at = $16, finished_at = $17, source = $2, mode = $4, dry_run = $5, sample = $6, cutover = $7, created_at = $15
       WHERE id = $1`,
      runValues(run),
    );
  }

  async list(filter: MigrationRunFilter, page: PageRequest): Promise<Page<MigrationRun>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date']);
    const rows = await this.manager.query<RunRow[]>(
      `SELECT ${RUN_COLUMNS} FROM migration_runs
        WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR status = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [filter.source ?? null, filter.status ?? null, after?.keys[0] ?? null, after?.id ?? null, size + 1],
    );
    return toPage(rows, size, toRun, (r) => ({ keys: [date(r.created_at)], id: r.id }));
  }

  async listRunning(limit: number): Promise<MigrationRun[]> {
    const rows = await this.manager.query<RunRow[]>(`SELECT ${RUN_COLUMNS} FROM migration_runs WHERE status = 'running' ORDER BY created_at, id LIMIT $1`, [pageSize(limit)]);
    return rows.map(toRun);
  }

  async addFailures(runId: string, failures: readonly MigrationFailure[]): Promise<void> {
    if (failures.length === 0) return;
    const values = failures.map((f) => `(${sqlLiteral(runId)}, ${sqlLiteral(f.entity)}, ${sqlLiteral(f.sourceId)}, ${sqlLiteral(f.reason)}, ${sqlLiteral(f.outcome)})`).join(', ');
    await execute(this.manager, `INSERT INTO migration_failures (run_id, entity, source_id, reason, outcome) VALUES ${values}`);
  }

  async sendAhead(): Promise<void> {
    sendAhead(this.manager);
  }

  async relaxCommit(): Promise<void> {
    // Held back with the batch; SET LOCAL ends with the transaction (outside one it warns and does nothing).
    await execute(this.manager, 'SET LOCAL synchronous_commit = off');
  }

  async failures(runId: string, limit: number): Promise<MigrationFailure[]> {
    if (!isId(runId)) return [];
    const rows = await this.manager.query<{ entity: LegacyEntity; source_id: string; reason: string; outcome: MigrationFailure['outcome'] }[]>(
      'SELECT entity, source_id, reason, outcome FROM migration_failures WHERE run_id = $1 ORDER BY id LIMIT $2',
      [runId, pageSize(limit)],
    );
    return rows.map((r) => ({ entity: r.entity, sourceId: r.source_id, reason: r.reason, outcome: r.outcome }));
  }
}

interface MapRow {
  external_id: string;
  system: string;
  entity: LegacyEntity;
  hub_id: string | null;
  content_hash: string;
  data: Record<string, unknown>;
  run_id: string;
  updated_at: Date | string;
}

const toMapping = (r: MapRow): LegacyMapping => ({
  externalId: r.external_id,
  system: r.system,
  entity: r.entity,
  hubId: r.hub_id,
  contentHash: r.content_hash,
  data: r.data,
  runId: r.run_id,
  updatedAt: date(r.updated_at),
});

export class TypeormLegacyMapRepository implements LegacyMapRepository {
  constructor(private readonly manager: EntityManager) {}

  async findMany(externalIds: readonly string[]): Promise<LegacyMapping[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.manager.query<MapRow[]>(
      'SELECT external_id, system, entity, hub_id, content_hash, data, run_id, updated_at FROM legacy_map WHERE external_id = ANY($1::text[])',
      [[...new Set(externalIds)]],
    );
    return rows.map(toMapping);
  }

  async upsertMany(mappings: readonly LegacyMapping[]): Promise<void> {
    if (mappings.length === 0) return;
    // The last mapping of an id wins (ON CONFLICT may not touch a row twice in one statement).
    const unique = [...new Map(mappings.map((m) => [m.externalId, m])).values()];
    const values = unique
      .map(
        (m) =>
          `(${sqlLiteral(m.externalId)}, ${sqlLiteral(m.system)}, ${sqlLiteral(m.entity)}, ${m.hubId === null ? 'NULL' : `${sqlLiteral(m.hubId)}::uuid`}, ${sqlLiteral(m.contentHash)}, ${sqlLiteral(JSON.stringify(m.data))}::jsonb, ${sqlLiteral(m.runId)}::uuid, ${sqlLiteral(m.updatedAt)}::timestamptz)`,
      )
      .join(', ');
    await execute(
      this.manager,
      `INSERT INTO legacy_map (external_id, system, entity, hub_id, content_hash, data, run_id, updated_at) VALUES ${values}
       ON CONFLICT (external_id) DO UPDATE SET hub_id = EXCLUDED.hub_id, content_hash = EXCLUDED.content_hash, data = EXCLUDED.data, run_id = EXCLUDED.run_id, updated_at = EXCLUDED.updated_at`,
    );
  }

  async count(system: string, entity: LegacyEntity): Promise<number> {
    const [row] = await this.manager.query<{ n: number }[]>('SELECT count(*)::int AS n FROM legacy_map WHERE system = $1 AND entity = $2', [system, entity]);
    return Number(row?.n ?? 0);
  }

  async findByHubId(entity: LegacyEntity, hubId: string): Promise<LegacyMapping | null> {
    if (!isId(hubId)) return null;
    const rows = await this.manager.query<MapRow[]>(
      'SELECT external_id, system, entity, hub_id, content_hash, data, run_id, updated_at FROM legacy_map WHERE hub_id = $1::uuid AND entity = $2 ORDER BY external_id LIMIT 1',
      [hubId, entity],
    );
    return rows[0] === undefined ? null : toMapping(rows[0]);
  }
}

interface SourceRow {
  source: string;
  watermark: string | null;
  retired_at: Date | string | null;
  last_run_id: string | null;
  last_sync_at: Date | string | null;
  updated_at: Date | string;
}

const toSource = (r: SourceRow): MigrationSourceState => ({
  source: r.source,
  watermark: r.watermark,
  retiredAt: r.retired_at === null ? null : date(r.retired_at),
  lastRunId: r.last_run_id,
  lastSyncAt: r.last_sync_at === null ? null : date(r.last_sync_at),
  updatedAt: date(r.updated_at),
});

export class TypeormMigrationSourceRepository implements MigrationSourceRepository {
  constructor(private readonly manager: EntityManager) {}

  async get(source: string): Promise<MigrationSourceState | null> {
    const rows = await this.manager.query<SourceRow[]>('SELECT source, watermark, retired_at, last_run_id, last_sync_at, updated_at FROM migration_sources WHERE source = $1', [source]);
    return rows[0] === undefined ? null : toSource(rows[0]);
  }

  async put(state: MigrationSourceState): Promise<void> {
    await execute(
      this.manager,
      `INSERT INTO migration_sources (source, watermark, retired_at, last_run_id, last_sync_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source) DO UPDATE SET watermark = EXCLUDED.watermark, retired_at = EXCLUDED.retired_at, last_run_id = EXCLUDED.last_run_id, last_sync_at = EXCLUDED.last_sync_at, updated_at = EXCLUDED.updated_at`,
      [state.source, state.watermark, state.retiredAt, state.lastRunId, state.lastSyncAt, state.updatedAt],
    );
  }

  async list(): Promise<MigrationSourceState[]> {
    const rows = await this.manager.query<SourceRow[]>('SELECT source, watermark, retired_at, last_run_id, last_sync_at, updated_at FROM migration_sources ORDER BY source COLLATE "C"');
    return rows.map(toSource);
  }
}
