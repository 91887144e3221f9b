import { z } from 'zod';
import type { RecordedEntry } from '../shared/events.js';
import { defineJob, type JobContribution, type PlannedJob } from '../shared/jobs.js';
import type { StoreSession } from '../store/store.port.js';
import type { CrmRegistry } from './ports/crm-registry.port.js';
import { SyncCrm } from './use-cases/sync-crm.use-case.js';
import { newCrmLogEntry } from './crm-log.entity.js';

export const CRM_JOBS = {
  syncCustomer: 'crm.sync-customer',
} as const;

const SWEEP_LIMIT = 500;

const syncJob = (instanceId: string, customerId: string, bucket: number): PlannedJob => ({
  name: CRM_JOBS.syncCustomer,
  payload: { instanceId, customerId },
  // One job per customer and instance at a time (per second): a running one loops until nothing is open.
  jobId: `crm-sync:${instanceId}:${customerId}:${bucket}`,
});

/**
 * The CRM's job: after commit, bring a customer's entries to each CRM instance. The relay turns
 * `interaction.recorded` events into `crm_log` rows (inside its own transaction, so an event is
 * either dispatched with its rows or not at all) and a job per (instance, surviving customer); the
 * sweeper re-enqueues customers whose rows are still open once their lease or backoff is over.
 */
export const crmJobs = (deps: { sync: SyncCrm; crms: CrmRegistry }): JobContribution<StoreSession>[] => [
  defineJob<{ instanceId: string; customerId: string }, StoreSession>({
    name: CRM_JOBS.syncCustomer,
    payload: z.object({ instanceId: z.string().min(1), customerId: z.string().min(1) }),
    concurrency: 4,
    handle: async ({ instanceId, customerId }) => {
      await deps.sync.syncCustomer(instanceId, customerId);
    },
    plan: async (events, { now, session }) => {
      const instances = deps.crms.list();
      const entries: RecordedEntry[] = events.flatMap(({ event }) => (event.type === 'interaction.recorded' ? event.entries : []));
      if (instances.length === 0 || entries.length === 0) return [];
      const survivors = new Map<string, string>();
      for (const customerId of new Set(entries.map((e) => e.customerId))) {
        survivors.set(customerId, (await SyncCrm.survivorOf(session, customerId))?.id ?? customerId);
      }
      const bucket = Math.floor(now.getTime() / 1000);
      const jobs: PlannedJob[] = [];
      for (const { instanceId } of instances) {
        await session.crmLog.addMany(
          entries.map((e) =>
            newCrmLogEntry({ instanceId, interactionId: e.interactionId, customerId: e.customerId, conversationId: e.conversationId, kind: e.kind === 'summary' ? 'summary' : 'entry' }, now),
          ),
        );
        for (const survivor of new Set(survivors.values())) jobs.push(syncJob(instanceId, survivor, bucket));
      }
      return jobs;
    },
    sweep: async ({ now, bucket, session }) => {
      const jobs: PlannedJob[] = [];
      for (const { instanceId } of deps.crms.list()) {
        for (const customerId of await session.crmLog.customersWithOpen(instanceId, now, SWEEP_LIMIT)) jobs.push(syncJob(instanceId, customerId, bucket));
      }
      return jobs;
    },
  }),
];
