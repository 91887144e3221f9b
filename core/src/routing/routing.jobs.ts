import { z } from 'zod';
import { defineJob, delayUntil, type JobContribution, type PlannedJob } from '../shared/jobs.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import type { RoutingSession } from './ports/routing-store.port.js';
import type { AnswerOffer } from './use-cases/answer-offer.use-case.js';
import type { RouteQueue } from './use-cases/route-queue.use-case.js';

export const ROUTING_JOBS = {
  evaluateQueue: 'routing.evaluate-queue',
  expireOffer: 'routing.expire-offer',
} as const;

const SWEEP_LIMIT = 500;

const evaluate = (queueId: string, jobId: string): PlannedJob => ({ name: ROUTING_JOBS.evaluateQueue, payload: { queueId }, jobId });

export interface RoutingJobDeps {
  route: RouteQueue;
  offers: AnswerOffer;
  jobs: Pick<JobQueue, 'enqueue'>;
}

/** Routing's jobs: a routing pass over a queue, and the expiry of an unanswered offer. */
export const routingJobs = (deps: RoutingJobDeps): JobContribution<Pick<RoutingSession, 'workItems' | 'offers'>>[] => [
  defineJob({
    name: ROUTING_JOBS.evaluateQueue,
    payload: z.object({ queueId: z.string().min(1) }),
    concurrency: 4,
    async handle({ queueId }, job) {
      const result = await deps.route.run(queueId);
      if (result.more) await deps.jobs.enqueue(ROUTING_JOBS.evaluateQueue, { queueId }, { jobId: `route:${queueId}:more:${job.id}` });
      return result.offers > 0;
    },
    // One routing pass per queue per relayed batch, however many items it queued.
    async plan(events, { session }) {
      const planned = new Map<string, PlannedJob>();
      let available: string | null = null;
      for (const { id, event } of events) {
        if (event.type === 'conversation.queued' && !planned.has(event.queueId)) planned.set(event.queueId, evaluate(event.queueId, `route:${event.queueId}:${id}`));
        if (event.type === 'agent.presence' && event.presence === 'available') available = id;
      }
      // An agent became available: every queue with waiting items may now route.
      if (available !== null) {
        for (const queueId of await session.workItems.queuesWithWaiting()) {
          if (!planned.has(queueId)) planned.set(queueId, evaluate(queueId, `route:${queueId}:${available}`));
        }
      }
      return [...planned.values()];
    },
    async sweep({ session, bucket }) {
      return (await session.workItems.queuesWithWaiting()).map((queueId) => evaluate(queueId, `route:${queueId}:sweep:${bucket}`));
    },
  }),
  defineJob({
    name: ROUTING_JOBS.expireOffer,
    payload: z.object({ offerId: z.string().min(1) }),
    handle: ({ offerId }) => deps.offers.expire(offerId),
    plan(events, { now }) {
      return events.flatMap(({ event }) =>
        event.type === 'offer.created'
          ? [{ name: ROUTING_JOBS.expireOffer, payload: { offerId: event.offerId }, jobId: `expire:${event.offerId}`, delayMs: delayUntil(event.expiresAt, now, 50) }]
          : [],
      );
    },
    async sweep({ session, now, bucket }) {
      return (await session.offers.listExpired(now, SWEEP_LIMIT)).map((offer) => ({
        name: ROUTING_JOBS.expireOffer,
        payload: { offerId: offer.id },
        jobId: `expire:${offer.id}:sweep:${bucket}`,
      }));
    },
  }),
];
