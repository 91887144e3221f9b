import { z } from 'zod';
import { isDomainError } from '../shared/domain-error.js';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { Logger } from '../shared/ports/logger.port.js';
import type { Store, StoreSession } from '../store/store.port.js';
import type { LegacySources } from './ports/legacy-sources.port.js';
import type { ManageMigrations } from './use-cases/manage-migrations.use-case.js';
import type { RunMigration } from './use-cases/run-migration.use-case.js';

export const MIGRATION_JOBS = { run: 'migration.run', sync: 'migration.sync-delta', writeBack: 'migration.write-back' } as const;

/** A running run whose checkpoint has not moved for this long is taken to have lost its worker. */
export const STALE_RUN_MS = 60_000;

export interface MigrationJobDeps {
  store: Store;
  clock: Clock;
  runner: RunMigration;
  manage: ManageMigrations;
  sources: LegacySources;
  /** Legacy instance id → seconds between scheduled deltas (coexistence). */
  sync: Readonly<Record<string, number>>;
  logger?: Logger;
}

/**
 * The migration's jobs: a run starts from its `migration.started` event and the sweeper resumes a
 * run whose worker died (kill -9, restart); scheduled deltas keep a live legacy source in step;
 * agents' replies on imported conversations are written back where the source can take them.
 */
export const migrationJobs = (deps: MigrationJobDeps): JobContribution<StoreSession>[] => {
  const active = new Set<string>();
  const writesBack = () => deps.sources.ids().some((id) => deps.sources.find(id)?.writeBack !== undefined);
  return [
    defineJob<{ runId: string }, StoreSession>({
      name: MIGRATION_JOBS.run,
      payload: z.object({ runId: z.string().uuid() }),
      concurrency: 2,
      async handle({ runId }) {
        // One runner per run in this process; across processes the run's lock and checkpoint decide.
        if (active.has(runId)) return true;
        active.add(runId);
        try {
          await deps.runner.run(runId);
        } finally {
          active.delete(runId);
        }
        return true;
      },
      plan: (events) =>
        events.flatMap((e) => (e.event.type === 'migration.started' ? [{ name: MIGRATION_JOBS.run, payload: { runId: e.event.runId }, jobId: `migration:run:${e.event.runId}` }] : [])),
      async sweep({ now, bucket, session }) {
        const running = await session.migrationRuns.listRunning(50);
        return running
          .filter((run) => !active.has(run.id) && now.getTime() - run.updatedAt.getTime() >= STALE_RUN_MS)
          .map((run) => ({ name: MIGRATION_JOBS.run, payload: { runId: run.id }, jobId: `migration:run:${run.id}:${bucket}` }));
      },
    }),
    defineJob<{ source: string }, StoreSession>({
      name: MIGRATION_JOBS.sync,
      payload: z.object({ source: z.string().min(1) }),
      async handle({ source }) {
        const now = deps.clock.now();
        const state = await deps.store.read((s) => s.migrationSources.get(source));
        if (state === null || state.watermark === null || state.retiredAt !== null) return false;
        await deps.store.transaction((s) => s.migrationSources.put({ ...state, lastSyncAt: now, updatedAt: now }));
        try {
          await deps.manage.start({ source, mode: 'delta' });
        } catch (error) {
          // A run of the source still going: the next interval tries again.
          if (isDomainError(error) && error.kind === 'conflict') return false;
          throw error;
        }
        return true;
      },
      async sweep({ now, bucket, session }) {
        const planned = [];
        for (const [source, everySeconds] of Object.entries(deps.sync)) {
          const state = await session.migrationSources.get(source);
          if (state === null || state.watermark === null || state.retiredAt !== null) continue;
          if (state.lastSyncAt !== null && now.getTime() - state.lastSyncAt.getTime() < everySeconds * 1000) continue;
          planned.push({ name: MIGRATION_JOBS.sync, payload: { source }, jobId: `migration:sync:${source}:${bucket}` });
        }
        return planned;
      },
    }),
    defineJob<{ interactionId: string }, StoreSession>({
      name: MIGRATION_JOBS.writeBack,
      payload: z.object({ interactionId: z.string().uuid() }),
      async handle({ interactionId }) {
        const interaction = await deps.store.read((s) => s.interactions.get(interactionId));
        if (interaction === null || interaction.direction !== 'outbound' || interaction.type !== 'message') return false;
        const agentName = typeof interaction.data['agentName'] === 'string' ? interaction.data['agentName'] : 'Switchboard';
        await deps.manage.writeBack({
          interactionId,
          conversationId: interaction.conversationId,
          text: interaction.text,
          html: interaction.html,
          agent: interaction.agentId === null ? null : { id: interaction.agentId, name: agentName },
          occurredAt: interaction.occurredAt,
        });
        return false;
      },
      plan: (events) =>
        writesBack()
          ? events.flatMap((e) =>
              e.event.type === 'delivery.requested' && e.event.attempt <= 1 ? [{ name: MIGRATION_JOBS.writeBack, payload: { interactionId: e.event.interactionId }, jobId: `migration:write-back:${e.event.interactionId}` }] : [],
            )
          : [],
    }),
  ];
};
