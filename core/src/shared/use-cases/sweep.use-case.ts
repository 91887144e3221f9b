import { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { JOBS, type JobQueue } from '../ports/job-queue.port.js';
import type { Clock } from '../ports/clock.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { Store } from '../ports/store.port.js';
import type { RelayOutbox } from './relay-outbox.use-case.js';

export interface SweepReport {
  relayed: number;
  routedQueues: number;
  expiredOffers: number;
  dueDeliveries: number;
}

/**
 * The safety net behind the job queue: the database is the truth, so whatever a queue lost
 * (Redis flushed, an in-process queue gone with its process) is found here and enqueued again.
 * Job ids carry a time bucket so a sweep never doubles a job that is still pending.
 */
export class Sweep {
  constructor(
    private readonly store: Store,
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
    private readonly relay: RelayOutbox,
    private readonly offers: AnswerOffer,
    private readonly logger: Logger,
  ) {}

  async run(bucketMs: number): Promise<SweepReport> {
    const relayed = await this.relay.run();
    const now = this.clock.now();
    const bucket = Math.floor(now.getTime() / bucketMs);
    const { queueIds, expired, due } = await this.store.read(async (session) => ({
      queueIds: await session.workItems.queuesWithWaiting(),
      expired: await session.offers.listExpired(now, 500),
      due: await session.deliveries.listDue(now, 500),
    }));
    for (const queueId of queueIds) {
      await this.jobs.enqueue(JOBS.routeQueue, { queueId }, { jobId: `route:${queueId}:sweep:${bucket}` });
    }
    let expiredOffers = 0;
    for (const offer of expired) {
      try {
        if (await this.offers.expire(offer.id)) expiredOffers += 1;
      } catch (error) {
        this.logger.warn({ offerId: offer.id, err: String(error) }, 'sweep could not expire an offer');
      }
    }
    for (const delivery of due) {
      await this.jobs.enqueue(JOBS.sendOutbound, { interactionId: delivery.interactionId }, { jobId: `deliver:${delivery.interactionId}:sweep:${bucket}` });
    }
    return { relayed, routedQueues: queueIds.length, expiredOffers, dueDeliveries: due.length };
  }
}
