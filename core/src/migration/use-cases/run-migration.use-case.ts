import {
  ALL_LEGACY_ENTITIES,
  LEGACY_ENTITIES,
  type LegacyEntity,
  type LegacyFailure,
  type LegacyPage,
  type LegacyRecord,
  type LegacySource,
} from '../../plugin-api/legacy-source.port.js';
import { isDomainError } from '../../shared/domain-error.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Logger } from '../../shared/ports/logger.port.js';
import type { Store } from '../../store/store.port.js';
import { addToSum, emptyCounters, type EntityCounters, type LegacyMapping, type MigrationCheckpoint, type MigrationRun } from '../migration-run.entity.js';
import type { LegacySources } from '../ports/legacy-sources.port.js';
import { ImportBatch, messageOf, prepareRecord, type ImportSettings } from './import-batch.js';

/** How imports treat what they bring in. */
export interface MigrationSettings extends ImportSettings {
  /** Records per batch (one read, one transaction). */
  batchSize: number;
  /** Open tickets become queued conversations (`queue`, the default) or are recorded without routing (`record`). */
  openTickets: 'queue' | 'record';
}

export const DEFAULT_MIGRATION_SETTINGS: MigrationSettings = { batchSize: 500, openTickets: 'queue' };

/** The run's lock: batches of one run commit one at a time, whoever runs them. */
export const migrationLockKey = (runId: string): string => `migration:${runId}`;

/** Another worker moved the run on (or it ended): this one stops without writing. */
class Superseded extends Error {}

const ENTITY_ORDER = (entity: LegacyEntity): number => ALL_LEGACY_ENTITIES.indexOf(entity);

/**
 * Runs one migration run to its end, batch by batch: read a page from the legacy source, then in
 * one transaction write what it maps to (customers through the identity rules, conversations,
 * ledger entries), the external-id map, the run's counters and its checkpoint. A crash between
 * batches loses nothing and repeats nothing: the next start resumes at the checkpoint committed
 * with the last batch, and the map makes every record idempotent anyway.
 *
 * Imports are history: no offers, no desk posts, no deliveries; only open tickets are queued
 * (unless `openTickets: 'record'`).
 */
export class RunMigration {
  /** Dry runs: what the batches would have mapped, so later batches see it (this process only). */
  private readonly overlays = new Map<string, Map<string, LegacyMapping>>();

  constructor(
    private readonly store: Store,
    private readonly sources: LegacySources,
    private readonly clock: Clock,
    private readonly settings: MigrationSettings,
    private readonly logger?: Logger,
    /** Pauses before trying a failed step again; once they are used up the run fails. */
    private readonly retryDelaysMs: readonly number[] = [1000, 5000, 20_000],
  ) {}

  /** Runs (or resumes) the run until it ends or is cancelled; answers the run as it ended. */
  async run(runId: string): Promise<MigrationRun | null> {
    let run = await this.store.read((s) => s.migrationRuns.get(runId));
    if (run === null || run.status !== 'running') return run;
    const source = this.sources.find(run.source);
    if (source === undefined) return this.finish(run, 'failed', `the legacy source '${run.source}' is not loaded in this hub`);
    // A dry run keeps what it would have written in this process's memory: it cannot go on elsewhere.
    if (run.dryRun && run.progress.read > 0 && !this.overlays.has(run.id)) {
      return this.finish(run, 'failed', 'a dry run cannot resume after its worker stopped (what it would have written was in memory): start it again');
    }
    try {
      if (run.system === null) run = await this.begin(run, source);
      let failures = 0;
      for (;;) {
        const current = await this.store.read((s) => s.migrationRuns.get(runId));
        if (current === null || current.status !== 'running') return current;
        if (current.cancelRequested) return await this.finish(current, 'cancelled', null);
        run = current;
        let more: boolean;
        try {
          more = run.mode === 'delta' ? await this.deltaStep(run, source) : await this.readStep(run, source);
          failures = 0;
        } catch (error) {
          // A source or database that went away for a moment: the step is tried again from the
          // checkpoint, after a pause; bad input (a domain error) fails the run at once.
          const delay = this.retryDelaysMs[failures];
          if (error instanceof Superseded || isDomainError(error) || delay === undefined) throw error;
          failures += 1;
          this.prefetched.delete(runId);
          this.logger?.warn({ runId, attempt: failures, err: messageOf(error) }, 'migration step failed; trying again');
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        if (!more) break;
      }
      return await this.finish(run, 'done', null);
    } catch (error) {
      if (error instanceof Superseded) return this.store.read((s) => s.migrationRuns.get(runId));
      this.logger?.warn({ runId, err: messageOf(error) }, 'migration run failed');
      const latest = (await this.store.read((s) => s.migrationRuns.get(runId))) ?? run;
      return this.finish(latest, 'failed', messageOf(error));
    } finally {
      this.prefetched.delete(runId);
      if (run.dryRun) this.overlays.delete(runId);
    }
  }

  /** Describes the source, takes the full run's starting watermark, chooses a demo's sample. */
  private async begin(run: MigrationRun, source: LegacySource): Promise<MigrationRun> {
    const description = await source.describe();
    const counters: MigrationRun['counters'] = {};
    for (const { entity, count } of description.entities) counters[entity] = { ...emptyCounters(), source: count };
    for (const entity of LEGACY_ENTITIES) counters[entity] ??= emptyCounters();
    const present = ALL_LEGACY_ENTITIES.filter((e) => counters[e] !== undefined);
    let checkpoint: MigrationCheckpoint = { entity: present[0] ?? 'user', cursor: null, watermark: null };
    let startWatermark: string | null = null;
    let total = present.reduce((sum, e) => sum + (counters[e]?.source ?? 0), 0);
    if (run.mode === 'full') startWatermark = (await source.changesSince(null, 1)).watermark;
    if (run.mode === 'delta') {
      const state = await this.store.read((s) => s.migrationSources.get(run.source));
      checkpoint = { entity: null, cursor: null, watermark: state?.watermark ?? null };
      total = 0;
    }
    if (run.mode === 'demo') {
      const sample = await this.chooseSample(source, run.sample ?? 10);
      checkpoint = { ...checkpoint, sample };
      const entries = counters.entry?.source ?? 0;
      const tickets = Math.max(1, counters.ticket?.source ?? 1);
      total = sample.tickets.length + sample.users.length + Math.round((entries * sample.tickets.length) / tickets);
    }
    return this.store.transaction(async (session) => {
      await session.lock(migrationLockKey(run.id));
      const current = await session.migrationRuns.get(run.id);
      if (current === null || current.status !== 'running' || current.system !== null) throw new Superseded();
      const next: MigrationRun = {
        ...current,
        system: description.system,
        counters,
        checkpoint,
        startWatermark,
        progress: { read: 0, total, percent: 0, entity: checkpoint.entity },
        updatedAt: this.clock.now(),
      };
      await session.migrationRuns.update(next);
      return next;
    });
  }

  private async chooseSample(source: LegacySource, size: number): Promise<{ tickets: string[]; users: string[] }> {
    const tickets: string[] = [];
    const users = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await source.read('ticket', cursor, Math.min(this.settings.batchSize, size - tickets.length));
      for (const record of page.records) {
        if (record.entity !== 'ticket' || tickets.length >= size) continue;
        tickets.push(record.externalId);
        users.add(record.userExternalId);
      }
      cursor = page.nextCursor;
    } while (cursor !== null && tickets.length < size);
    return { tickets, users: [...users] };
  }

  /** Per run, the next page, read while the batch before it commits (keyed by entity and cursor). */
  private readonly prefetched = new Map<string, { key: string; page: Promise<LegacyPage> }>();

  private readPage(runId: string, source: LegacySource, entity: LegacyEntity, cursor: string | null): Promise<LegacyPage> {
    const key = `${entity}\u0000${cursor ?? ''}`;
    const ahead = this.prefetched.get(runId);
    this.prefetched.delete(runId);
    if (ahead?.key === key) return ahead.page;
    return source.read(entity, cursor, this.settings.batchSize);
  }

  private prefetch(runId: string, source: LegacySource, entity: LegacyEntity, cursor: string): void {
    const page = source.read(entity, cursor, this.settings.batchSize);
    // Its failure, if any, surfaces when the step reads it (or never, if the run stops first).
    page.then((p) => p.records.forEach(prepareRecord), () => undefined);
    this.prefetched.set(runId, { key: `${entity}\u0000${cursor}`, page });
  }

  /** One page of the current entity (full and demo); false when every entity is read. */
  private async readStep(run: MigrationRun, source: LegacySource): Promise<boolean> {
    const entity = run.checkpoint.entity;
    if (entity === null) return false;
    const page = await this.readPage(run.id, source, entity, run.checkpoint.cursor);
    // The source reads the next page while this one is written.
    if (page.nextCursor !== null) this.prefetch(run.id, source, entity, page.nextCursor);
    const sample = run.checkpoint.sample;
    const users = new Set(sample?.users ?? []);
    const tickets = new Set(sample?.tickets ?? []);
    const inSample = (record: LegacyRecord): boolean => {
      if (sample === undefined) return true;
      if (record.entity === 'user') return users.has(record.externalId);
      if (record.entity === 'ticket') return tickets.has(record.externalId);
      if (record.entity === 'entry') return tickets.has(record.ticketExternalId);
      return true;
    };
    const records = page.records.filter(inSample);
    const failures = (page.failures ?? []).filter((f) => sample === undefined || f.entity !== 'entry');
    let next: MigrationCheckpoint;
    if (page.nextCursor !== null) next = { ...run.checkpoint, cursor: page.nextCursor };
    else {
      const after = ALL_LEGACY_ENTITIES.filter((e) => ENTITY_ORDER(e) > ENTITY_ORDER(entity) && run.counters[e] !== undefined);
      next = { ...run.checkpoint, entity: after[0] ?? null, cursor: null };
    }
    await this.commitBatch(run, records, failures, next);
    return next.entity !== null;
  }

  /** One batch of changes since the checkpoint's watermark; false when the source has no more. */
  private async deltaStep(run: MigrationRun, source: LegacySource): Promise<boolean> {
    const changes = await source.changesSince(run.checkpoint.watermark, this.settings.batchSize);
    // Within a batch, in import order: an entry's new ticket is written before the entry.
    const records = [...changes.records].sort((a, b) => ENTITY_ORDER(a.entity) - ENTITY_ORDER(b.entity));
    await this.commitBatch(run, records, changes.failures ?? [], { ...run.checkpoint, watermark: changes.watermark }, changes.records.length + (changes.failures?.length ?? 0));
    return changes.more;
  }

  private async commitBatch(run: MigrationRun, records: readonly LegacyRecord[], sourceFailures: readonly LegacyFailure[], next: MigrationCheckpoint, deltaSeen = 0): Promise<void> {
    const now = this.clock.now();
    const overlay = run.dryRun ? (this.overlays.get(run.id) ?? new Map<string, LegacyMapping>()) : null;
    if (overlay !== null) this.overlays.set(run.id, overlay);
    await this.store.transaction(async (session) => {
      await session.migrationRuns.relaxCommit();
      await session.lock(migrationLockKey(run.id));
      const current = await session.migrationRuns.get(run.id);
      // Checkpoints only move forward under the lock: a second worker on the same run stops here.
      if (current === null || current.status !== 'running' || JSON.stringify(current.checkpoint) !== JSON.stringify(run.checkpoint)) throw new Superseded();
      const result = await new ImportBatch(session, current, this.settings, now, overlay).apply(records, sourceFailures);
      const counters = { ...current.counters };
      for (const [entity, add] of Object.entries(result.counters) as [LegacyEntity, EntityCounters][]) {
        const had = counters[entity] ?? emptyCounters();
        counters[entity] = {
          ...had,
          read: had.read + add.read,
          created: had.created + add.created,
          updated: had.updated + add.updated,
          unchanged: had.unchanged + add.unchanged,
          skipped: had.skipped + add.skipped,
          failed: had.failed + add.failed,
          ...(add.joined || had.joined ? { joined: (had.joined ?? 0) + (add.joined ?? 0) } : {}),
          checksum: { source: sumOf(had.checksum.source, add.checksum.source), hub: sumOf(had.checksum.hub, add.checksum.hub) },
        };
      }
      const read = Object.values(counters).reduce((sum, c) => sum + c.read, 0);
      const total = run.mode === 'delta' ? current.progress.total + deltaSeen : current.progress.total;
      const progress = { read, total, percent: total === 0 ? 100 : Math.min(100, Math.floor((read / total) * 100)), entity: next.entity };
      const updated: MigrationRun = { ...current, counters, checkpoint: next, progress, updatedAt: now };
      if (result.failures.length > 0) await session.migrationRuns.addFailures(run.id, result.failures);
      await session.migrationRuns.update(updated);
      if (!run.dryRun && run.mode === 'delta') {
        // The source's own watermark moves with the batch it covers.
        const state = await session.migrationSources.get(run.source);
        await session.migrationSources.put({ source: run.source, watermark: next.watermark, retiredAt: state?.retiredAt ?? null, lastRunId: run.id, lastSyncAt: state?.lastSyncAt ?? null, updatedAt: now });
      }
      await session.outbox.add([{ type: 'migration.progress', runId: run.id, source: run.source, entity: next.entity, read, total, percent: progress.percent }]);
      if (overlay !== null) for (const mapping of result.mapped) overlay.set(mapping.externalId, mapping);
    });
    // Picks up the new checkpoint for the next step.
    Object.assign(run, { checkpoint: next });
  }

  private async finish(run: MigrationRun, status: MigrationRun['status'], error: string | null): Promise<MigrationRun> {
    const now = this.clock.now();
    return this.store.transaction(async (session) => {
      await session.lock(migrationLockKey(run.id));
      const current = (await session.migrationRuns.get(run.id)) ?? run;
      if (current.status !== 'running') return current;
      const counters = { ...current.counters };
      if (current.system !== null) {
        for (const entity of Object.keys(counters) as LegacyEntity[]) {
          const hub = await session.legacyMap.count(current.system, entity);
          const c = counters[entity]!;
          counters[entity] = { ...c, hub: current.dryRun ? hub + c.created : hub };
        }
      }
      const failed = Object.values(counters).reduce((sum, c) => sum + c.failed, 0);
      const done: MigrationRun = {
        ...current,
        status,
        counters,
        error,
        progress: status === 'done' ? { ...current.progress, percent: 100, entity: null } : current.progress,
        finishedAt: now,
        updatedAt: now,
      };
      await session.migrationRuns.update(done);
      if (status === 'done' && !current.dryRun) {
        const state = await session.migrationSources.get(current.source);
        const watermark = current.mode === 'full' ? current.startWatermark : current.mode === 'delta' ? current.checkpoint.watermark : (state?.watermark ?? null);
        await session.migrationSources.put({
          source: current.source,
          watermark: watermark ?? state?.watermark ?? null,
          retiredAt: current.cutover ? now : (state?.retiredAt ?? null),
          lastRunId: current.id,
          lastSyncAt: state?.lastSyncAt ?? null,
          updatedAt: now,
        });
      }
      await session.outbox.add([{ type: 'migration.finished', runId: current.id, source: current.source, status, failed }]);
      return done;
    });
  }
}

const sumOf = (a: string, b: string): string => addToSum(a, b.padStart(16, '0'));
