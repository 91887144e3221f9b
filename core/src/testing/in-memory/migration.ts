import type { LegacyEntity } from '../../plugin-api/legacy-source.port.js';
import type { LegacyMapping, MigrationFailure, MigrationRun, MigrationSourceState } from '../../migration/migration-run.entity.js';
import type { LegacyMapRepository, MigrationRunFilter, MigrationRunRepository, MigrationSourceRepository } from '../../migration/ports/migration-store.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { asJson, byText, copy, keysetPage } from './rows.js';
import type { Db } from './tables.js';

export class InMemoryMigrationRunRepository implements MigrationRunRepository {
  constructor(
    private readonly db: Db,
    private readonly nextSeq: () => number,
  ) {}

  async insert(run: MigrationRun): Promise<void> {
    if (this.db.migrationRuns.has(run.id)) throw new Error(`duplicate migration run ${run.id}`);
    this.db.migrationRuns.set(run.id, this.stored(run));
  }

  async get(id: string): Promise<MigrationRun | null> {
    const run = this.db.migrationRuns.get(id);
    return run ? copy(run) : null;
  }

  async update(run: MigrationRun): Promise<void> {
    if (this.db.migrationRuns.has(run.id)) this.db.migrationRuns.set(run.id, this.stored(run));
  }

  async list(filter: MigrationRunFilter, page: PageRequest): Promise<Page<MigrationRun>> {
    const rows = this.db.migrationRuns.values().filter((r) => (filter.source === undefined || r.source === filter.source) && (filter.status === undefined || r.status === filter.status));
    return keysetPage(rows, { shape: ['date'], key: (r) => ({ keys: [r.createdAt], id: r.id }), direction: 'desc' }, page);
  }

  async listRunning(limit: number): Promise<MigrationRun[]> {
    return this.db.migrationRuns
      .values()
      .filter((r) => r.status === 'running')
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || byText(a.id, b.id))
      .slice(0, limit)
      .map(copy);
  }

  async addFailures(runId: string, failures: readonly MigrationFailure[]): Promise<void> {
    for (const failure of failures) {
      const seq = this.nextSeq();
      this.db.migrationFailures.set(String(seq).padStart(12, '0'), { ...copy(failure), runId, seq });
    }
  }

  async failures(runId: string, limit: number): Promise<MigrationFailure[]> {
    return this.db.migrationFailures
      .values()
      .filter((f) => f.runId === runId)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit)
      .map(({ entity, sourceId, reason, outcome }) => ({ entity, sourceId, reason, outcome }));
  }

  async relaxCommit(): Promise<void> {}

  async sendAhead(): Promise<void> {}

  // Checkpoints and counters are jsonb in the SQL stores: what comes back is their JSON form.
  private stored(run: MigrationRun): MigrationRun {
    return { ...copy(run), checkpoint: asJson(run.checkpoint), counters: asJson(run.counters), progress: asJson(run.progress) };
  }
}

export class InMemoryLegacyMapRepository implements LegacyMapRepository {
  constructor(private readonly db: Db) {}

  async findMany(externalIds: readonly string[]): Promise<LegacyMapping[]> {
    return externalIds.flatMap((id) => {
      const row = this.db.legacyMap.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async upsertMany(mappings: readonly LegacyMapping[]): Promise<void> {
    for (const mapping of mappings) this.db.legacyMap.set(mapping.externalId, { ...copy(mapping), data: asJson(mapping.data) });
  }

  async count(system: string, entity: LegacyEntity): Promise<number> {
    return this.db.legacyMap.values().filter((m) => m.system === system && m.entity === entity).length;
  }

  async findByHubId(entity: LegacyEntity, hubId: string): Promise<LegacyMapping | null> {
    const found = this.db.legacyMap
      .values()
      .filter((m) => m.entity === entity && m.hubId === hubId)
      .sort((a, b) => byText(a.externalId, b.externalId))[0];
    return found ? copy(found) : null;
  }
}

export class InMemoryMigrationSourceRepository implements MigrationSourceRepository {
  constructor(private readonly db: Db) {}

  async get(source: string): Promise<MigrationSourceState | null> {
    const row = this.db.migrationSources.get(source);
    return row ? copy(row) : null;
  }

  async put(state: MigrationSourceState): Promise<void> {
    this.db.migrationSources.set(state.source, copy(state));
  }

  async list(): Promise<MigrationSourceState[]> {
    return this.db.migrationSources
      .values()
      .sort((a, b) => byText(a.source, b.source))
      .map(copy);
  }
}
