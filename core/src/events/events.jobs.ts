import { z } from 'zod';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { Transactions } from '../shared/ports/transactions.port.js';
import type { EventLogSession } from './ports/event-log.port.js';

export const EVENT_JOBS = { prune: 'events.prune-log' } as const;

const PRUNE_BATCH = 5000;

/** The event log's retention: every sweep enqueues one prune of what is older than the window. */
export const eventJobs = (deps: { store: Transactions<EventLogSession>; clock: Clock; retentionSeconds: number }): JobContribution[] => [
  defineJob({
    name: EVENT_JOBS.prune,
    payload: z.object({}).passthrough(),
    async handle() {
      const before = new Date(deps.clock.now().getTime() - deps.retentionSeconds * 1000);
      await deps.store.transaction((session) => session.eventLog.prune(before, PRUNE_BATCH));
    },
    async sweep({ bucket }) {
      return [{ name: EVENT_JOBS.prune, payload: {}, jobId: `events:prune:${bucket}` }];
    },
  }),
];
