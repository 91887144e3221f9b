import type { DomainEvent } from '../events.js';
import { JOBS, type JobQueue } from '../ports/job-queue.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Store } from '../ports/store.port.js';

const BATCH = 200;

/** A job derived from committed events. */
export interface PlannedJob {
  name: string;
  payload: Record<string, unknown>;
  jobId: string;
  delayMs?: number;
}

/** Maps committed events to jobs. Routing jobs are collapsed to one per queue per batch. */
export const jobsFor = (events: readonly { id: string; event: DomainEvent }[], now: Date, queuesWithWaiting: () => Promise<string[]>): Promise<PlannedJob[]> => {
  const jobs: PlannedJob[] = [];
  const routed = new Set<string>();
  const route = (queueId: string, eventId: string) => {
    if (routed.has(queueId)) return;
    routed.add(queueId);
    jobs.push({ name: JOBS.routeQueue, payload: { queueId }, jobId: `route:${queueId}:${eventId}` });
  };
  let presence: string | null = null;
  for (const { id, event } of events) {
    switch (event.type) {
      case 'conversation.queued':
        route(event.queueId, id);
        break;
      case 'agent.presence':
        if (event.presence === 'available') presence = id;
        break;
      case 'offer.created':
        jobs.push({
          name: JOBS.expireOffer,
          payload: { offerId: event.offerId },
          jobId: `expire:${event.offerId}`,
          delayMs: Math.max(0, new Date(event.expiresAt).getTime() - now.getTime()) + 50,
        });
        break;
      case 'delivery.requested':
        jobs.push({
          name: JOBS.sendOutbound,
          payload: { interactionId: event.interactionId },
          jobId: `deliver:${event.interactionId}:${event.attempt}`,
          ...(event.notBefore ? { delayMs: Math.max(0, new Date(event.notBefore).getTime() - now.getTime()) } : {}),
        });
        break;
      default:
        break;
    }
  }
  if (presence === null) return Promise.resolve(jobs);
  const eventId = presence;
  // An agent became available: every queue with waiting items may now route.
  return queuesWithWaiting().then((queueIds) => {
    for (const queueId of queueIds) route(queueId, eventId);
    return jobs;
  });
};

/**
 * Turns committed outbox events into jobs. Events are claimed with SKIP LOCKED, jobs are
 * enqueued, then the events are marked dispatched in the same transaction: a crash in between
 * only enqueues twice, and every handler is idempotent.
 */
export class RelayOutbox {
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
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

  private relayBatch(): Promise<number> {
    return this.store.transaction(async (session) => {
      const claimed = await session.outbox.claimUndispatched(BATCH);
      if (claimed.length === 0) return 0;
      const now = this.clock.now();
      const planned = await jobsFor(claimed, now, () => session.workItems.queuesWithWaiting());
      for (const job of planned) {
        await this.jobs.enqueue(job.name, job.payload, { jobId: job.jobId, ...(job.delayMs === undefined ? {} : { delayMs: job.delayMs }) });
      }
      await session.outbox.markDispatched(claimed.map((e) => e.id), now);
      return claimed.length;
    });
  }
}
