import type { Conversation } from '../../ledger/conversation.entity.js';
import type { ConversationFilter } from '../../ledger/ports/ledger-store.port.js';
import type { LegacyReply } from '../../plugin-api/legacy-source.port.js';
import { newId } from '../../shared/ids.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store } from '../../store/store.port.js';
import { migrationErrors } from '../migration.errors.js';
import { reportOf, type MigrationMode, type MigrationRun, type MigrationSourceState, type ReconciliationReport } from '../migration-run.entity.js';
import type { MigrationRunFilter } from '../ports/migration-store.port.js';
import type { LegacySources } from '../ports/legacy-sources.port.js';
import { migrationLockKey } from './run-migration.use-case.js';

export interface StartMigration {
  source: string;
  mode: MigrationMode;
  dryRun?: boolean | undefined;
  /** demo: how many tickets. */
  sample?: number | undefined;
}

const MAX_FAILURES = 100_000;
const sourceLockKey = (source: string) => `migration-source:${source}`;

/** The driving side of migrations: start, follow, cancel and report runs; cut a source over. */
export class ManageMigrations {
  constructor(
    private readonly store: Store,
    private readonly sources: LegacySources,
    private readonly clock: Clock,
  ) {}

  /** Records a run as `running` with a `migration.started` event: a worker picks it up from the outbox. */
  async start(request: StartMigration, options: { cutover?: boolean } = {}): Promise<MigrationRun> {
    if (this.sources.find(request.source) === undefined) throw migrationErrors.unknownSource(request.source, this.sources.ids());
    if (request.mode === 'demo' && (request.sample === undefined || request.sample < 1)) throw migrationErrors.sampleRequired();
    const now = this.clock.now();
    return this.store.transaction(async (session) => {
      await session.lock(sourceLockKey(request.source));
      const state = await session.migrationSources.get(request.source);
      if (state?.retiredAt) throw migrationErrors.retired(request.source);
      const running = (await session.migrationRuns.list({ source: request.source, status: 'running' }, { limit: 1 })).items[0];
      if (running !== undefined) throw migrationErrors.alreadyRunning(request.source, running.id);
      if (request.mode === 'delta' && (state?.watermark ?? null) === null) throw migrationErrors.noFullRun(request.source);
      const run: MigrationRun = {
        id: newId(),
        source: request.source,
        system: null,
        mode: request.mode,
        dryRun: request.dryRun ?? false,
        sample: request.mode === 'demo' ? (request.sample ?? null) : null,
        cutover: options.cutover ?? false,
        status: 'running',
        cancelRequested: false,
        checkpoint: { entity: null, cursor: null, watermark: null },
        startWatermark: null,
        counters: {},
        progress: { read: 0, total: 0, percent: 0, entity: null },
        error: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      };
      await session.migrationRuns.insert(run);
      await session.outbox.add([{ type: 'migration.started', runId: run.id, source: run.source, mode: run.mode, dryRun: run.dryRun }]);
      return run;
    });
  }

  async get(id: string): Promise<MigrationRun> {
    const run = await this.store.read((s) => s.migrationRuns.get(id));
    if (run === null) throw migrationErrors.runNotFound(id);
    return run;
  }

  list(filter: MigrationRunFilter, page: PageRequest): Promise<Page<MigrationRun>> {
    return this.store.read((s) => s.migrationRuns.list(filter, page));
  }

  /** Asks the run to stop after the batch in flight; what committed stays (re-runs skip it). */
  async cancel(id: string): Promise<MigrationRun> {
    return this.store.transaction(async (session) => {
      await session.lock(migrationLockKey(id));
      const run = await session.migrationRuns.get(id);
      if (run === null) throw migrationErrors.runNotFound(id);
      if (run.status !== 'running') throw migrationErrors.notRunning(id, run.status);
      const next = { ...run, cancelRequested: true, updatedAt: this.clock.now() };
      await session.migrationRuns.update(next);
      return next;
    });
  }

  async report(id: string): Promise<ReconciliationReport> {
    return this.store.read(async (session) => {
      const run = await session.migrationRuns.get(id);
      if (run === null) throw migrationErrors.runNotFound(id);
      return reportOf(run, await session.migrationRuns.failures(id, MAX_FAILURES));
    });
  }

  /** A final delta; when it ends done the source is retired (read-only). */
  async cutover(source: string): Promise<MigrationRun> {
    return this.start({ source, mode: 'delta' }, { cutover: true });
  }

  /**
   * The conversation an imported ticket became, by the id it had in its source
   * (`legacy:osticket:ticket:123`), as a page of at most one; the other filters still apply.
   */
  async conversationsByExternalRef(externalRef: string, filter: ConversationFilter): Promise<Page<Conversation>> {
    return this.store.read(async (session) => {
      const [mapping] = await session.legacyMap.findMany([externalRef]);
      if (mapping?.entity !== 'ticket' || mapping.hubId === null) return { items: [], nextCursor: null };
      const conversation = await session.conversations.get(mapping.hubId);
      const matches =
        conversation !== null &&
        (filter.status === undefined || conversation.status === filter.status) &&
        (filter.queueId === undefined || conversation.queueId === filter.queueId) &&
        (filter.customerId === undefined || conversation.customerId === filter.customerId);
      return { items: matches ? [conversation] : [], nextCursor: null };
    });
  }

  /** What the hub knows of each legacy source (watermark, retired). */
  async sourceStates(): Promise<MigrationSourceState[]> {
    return this.store.read((s) => s.migrationSources.list());
  }

  /**
   * Writes an agent's reply into the legacy ticket of an imported conversation, while the source is
   * live and supports it. Answers null when there is nothing to write back to.
   */
  async writeBack(reply: Omit<LegacyReply, 'ticketExternalId'> & { conversationId: string }): Promise<{ externalId: string } | null> {
    const found = await this.store.read(async (session) => {
      const ticket = await session.legacyMap.findByHubId('ticket', reply.conversationId);
      if (ticket === null) return null;
      const states = await session.migrationSources.list();
      return { ticket, states };
    });
    if (found === null) return null;
    for (const id of this.sources.ids()) {
      const source = this.sources.find(id);
      const state = found.states.find((s) => s.source === id);
      if (source?.writeBack === undefined || state?.retiredAt || state === undefined) continue;
      if (!found.ticket.externalId.startsWith(`legacy:${found.ticket.system}:`)) continue;
      const description = await source.describe();
      if (description.system !== found.ticket.system) continue;
      const { conversationId: _, ...rest } = reply;
      return source.writeBack({ ...rest, ticketExternalId: found.ticket.externalId });
    }
    return null;
  }
}
