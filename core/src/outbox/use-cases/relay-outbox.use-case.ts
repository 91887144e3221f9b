import type { JobContribution, PlannedJob } from '../../shared/jobs.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { JobQueue } from '../../shared/ports/job-queue.port.js';
import type { Store, StoreSession } from '../../store/store.port.js';

const BATCH = 200;

/** How many enqueues are in flight at once: a relayed burst of 200 offers is not 200 sequential round trips. */
const ENQUEUE_IN_FLIGHT = 32;

/**
 * Enqueues planned jobs, each job id once (the queue would drop the repeat anyway, after a round
 * trip). Enqueues are issued in order, up to ENQUEUE_IN_FLIGHT at a time: a queue on one
 * connection (BullMQ) receives them in that order; nothing relies on the order beyond that, since
 * jobs run concurrently. The job queue drops a job whose id is already pending.
 */
export const enqueuePlanned = async (jobs: Pick<JobQueue, 'enqueue'>, planned: readonly PlannedJob[]): Promise<void> => {
  const seen = new Set<string>();
  const unique = planned.filter((job) => {
    if (seen.has(job.jobId)) return false;
    seen.add(job.jobId);
    return true;
  });
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < unique.length) {
      const job = unique[next++]!;
      await jobs.enqueue(job.name, job.payload, { jobId: job.jobId, ...(job.delayMs === undefined ? {} : { delayMs: job.delayMs }) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(ENQUEUE_IN_FLIGHT, unique.length) }, lane));
};

/**
 * Turns committed outbox events into jobs: each area's job contributions say which (`plan`).
 * Passes run one at a time (a transaction lock), so events are planned, and appended to the event
 * log, in outbox order; jobs are enqueued, then the events are marked dispatched in the same
 * transaction: a crash in between only enqueues twice, and every handler is idempotent.
 */
export class RelayOutbox {
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly contributions: readonly JobContribution<StoreSession>[],
  ) {}

  /** Relays until the outbox is empty; concurrent calls coalesce into one more pass. */
  async run(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let total = 0;
      try {
        do {
          this.again = false;
          let batch: number;
          do {
            batch = await this.relayBatch();
            total += batch;
          } while (batch === BATCH);
        } while (this.again);
      } finally {
        this.running = null;
      }
      return total;
    })();
    return this.running;
  }

  /** `run()` for pollers: one cheap read first, so an empty outbox costs no transaction. */
  async runIfPending(): Promise<number> {
    if (this.running) return this.run();
    if (!(await this.store.read((session) => session.outbox.hasUndispatched()))) return 0;
    return this.run();
  }

  private async relayBatch(): Promise<number> {
    const { count, followers } = await this.store.transaction(async (session) => {
      // One relay pass at a time (API nodes relay their own writes while workers poll): a second
      // pass that skipped the first one's locked rows would plan later events first, and what
      // planning writes in order (the CRM log's positions, the event log's sequence) would not
      // follow the outbox. The lock is held until commit.
      await session.lock(lockKeys.eventLog());
      const claimed = await session.outbox.claimUndispatched(BATCH);
      if (claimed.length === 0) return { count: 0, followers: [] };
      const now = this.clock.now();
      const planned: PlannedJob[] = [];
      for (const contribution of this.contributions) {
        if (contribution.plan) await enqueuePlanned(this.jobs, await contribution.plan(claimed, { now, session }));
        if (contribution.follow) planned.push(...(await contribution.follow(claimed, { now, session })));
      }
      await session.eventLog.append(claimed, now);
      await session.outbox.markDispatched(claimed.map((e) => e.id), now);
      return { count: claimed.length, followers: planned };
    });
    // Jobs that read the event log, once the events are in it (see JobContribution.follow).
    await enqueuePlanned(this.jobs, followers);
    return count;
  }
}
