import { z } from 'zod';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { Clock } from '../shared/ports/clock.port.js';
import type { OutboxSession } from '../shared/ports/outbox.port.js';
import type { Transactions } from '../shared/ports/transactions.port.js';

export const OUTBOX_JOBS = { prune: 'outbox.prune' } as const;

const PRUNE_BATCH = 5000;
/** Batches one prune job removes at most, so a large backlog is worked off over several sweeps. */
const PRUNE_BATCHES = 20;

/**
 * The outbox's retention: a dispatched event has done its work (its jobs are enqueued, followers
 * read the event log), so every sweep enqueues one prune of what was dispatched and is older than
 * the window; without it the table grows by every write the hub ever made.
 */
export const outboxJobs = (deps: { store: Transactions<OutboxSession>; clock: Clock; retentionSeconds: number }): JobContribution[] => [
  defineJob({
    name: OUTBOX_JOBS.prune,
    payload: z.object({}).passthrough(),
    async handle() {
      const before = new Date(deps.clock.now().getTime() - deps.retentionSeconds * 1000);
      for (let n = 0; n < PRUNE_BATCHES; n += 1) {
        if ((await deps.store.transaction((session) => session.outbox.pruneDispatched(before, PRUNE_BATCH))) < PRUNE_BATCH) return;
      }
    },
    async sweep({ bucket }) {
      return [{ name: OUTBOX_JOBS.prune, payload: {}, jobId: `outbox:prune:${bucket}` }];
    },
  }),
];
