import { z } from 'zod';
import { defineJob, delayUntil, type JobContribution, type PlannedJob } from '../shared/jobs.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import type { RoutingSession } from './ports/routing-store.port.js';
import type { AnswerOffer } from './use-cases/answer-offer.use-case.js';
import type { RouteQueue } from './use-cases/route-queue.use-case.js';
import type { ManageRouting } from './use-cases/manage-routing.use-case.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from './routing-settings.js';
import type { RelaxationStep } from './relaxation.js';
import { systemClock, type Clock } from '../shared/ports/clock.port.js';

export const ROUTING_JOBS = {
  evaluateQueue: 'routing.evaluate-queue',
  expireOffer: 'routing.expire-offer',
  settlePresence: 'routing.settle-presence',
} as const;

const SWEEP_LIMIT = 500;
/** How long, and for how many passes, one job routes a queue whose pages keep coming full. */
const CONTINUE_MS = 5000;
const CONTINUE_PASSES = 100;
/** Relaxation passes are planned per slot of this length: at most one per queue, step and slot. */
const RELAXATION_SLOT_MS = 250;

const evaluate = (queueId: string, jobId: string): PlannedJob => ({ name: ROUTING_JOBS.evaluateQueue, payload: { queueId }, jobId });

export interface RoutingJobDeps {
  route: Pick<RouteQueue, 'run'>;
  offers: AnswerOffer;
  manage: Pick<ManageRouting, 'settle'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  settings?: Pick<RoutingSettings, 'declineCooldownSeconds'> | undefined;
  /** For delays counted from the domain's time (default: the system clock). */
  clock?: Clock | undefined;
}

/** Routing's jobs: a routing pass over a queue, and the expiry of an unanswered offer. */
export const routingJobs = (deps: RoutingJobDeps): JobContribution<Pick<RoutingSession, 'workItems' | 'offers' | 'queues'>>[] => {
  const cooldownMs = (deps.settings ?? DEFAULT_ROUTING_SETTINGS).declineCooldownSeconds * 1000;
  // Passes of one queue wait for each other on the queue's lock, so a burst of jobs for a queue
  // (one per relayed batch) would queue up passes that mostly find nothing left. In this process a
  // job that finds a pass of its queue running asks it to run once more and returns: that pass
  // starts after the job's events were committed, so it sees whatever they queued.
  const running = new Map<string, { again: boolean }>();
  const clock = deps.clock ?? systemClock;
  return [
  defineJob({
    name: ROUTING_JOBS.evaluateQueue,
    payload: z.object({ queueId: z.string().min(1) }),
    concurrency: 4,
    async handle({ queueId }, job) {
      const current = running.get(queueId);
      if (current) {
        current.again = true;
        return false;
      }
      const pass = { again: false };
      running.set(queueId, pass);
      try {
        let offered = false;
        let result: Awaited<ReturnType<RouteQueue['run']>>;
        const started = performance.now();
        let passes = 0;
        // A full page: route on in this job for a while. A job of its own would wait behind every job
        // queued meanwhile (the desk and expiry jobs of the offers just made), and the backlog with it.
        const goOn = () => (result.more ? passes < CONTINUE_PASSES && performance.now() - started < CONTINUE_MS : pass.again);
        do {
          pass.again = false;
          passes += 1;
          result = await deps.route.run(queueId);
          offered ||= result.offers > 0;
        } while (goOn());
        // Still a full page after a while: the next pass is a job of its own, so that other jobs take turns.
        if (result.more) await deps.jobs.enqueue(ROUTING_JOBS.evaluateQueue, { queueId }, { jobId: `route:${queueId}:more:${job.id}` });
        // An item still waiting reaches a relaxation step later (it may have come back after a decline
        // or by overflow, keeping its place): route the queue again when it does.
        if (result.nextRelaxationAt) {
          const slot = Math.ceil(result.nextRelaxationAt.getTime() / RELAXATION_SLOT_MS);
          const delayMs = Math.max(0, slot * RELAXATION_SLOT_MS - clock.now().getTime()) + 50;
          await deps.jobs.enqueue(ROUTING_JOBS.evaluateQueue, { queueId }, { jobId: `route:${queueId}:relax-at:${slot}`, delayMs });
        }
        return offered;
      } finally {
        running.delete(queueId);
      }
    },
    // One routing pass per queue per relayed batch, however many items it queued.
    async plan(events, { session, now }) {
      const planned = new Map<string, PlannedJob>();
      const later = new Map<string, PlannedJob>();
      let freed: string | null = null;
      const relaxationOf = new Map<string, RelaxationStep[]>();
      for (const { id, event } of events) {
        if (event.type === 'conversation.queued' && !planned.has(event.queueId)) planned.set(event.queueId, evaluate(event.queueId, `route:${event.queueId}:${id}`));
        // A queue that relaxes: route it again when each step of the items queued now comes due, not
        // only at the next sweep. Items queued within one slot share a pass at the slot's end.
        if (event.type === 'conversation.queued') {
          if (!relaxationOf.has(event.queueId)) relaxationOf.set(event.queueId, (await session.queues.get(event.queueId))?.relaxation ?? []);
          for (const [i, step] of (relaxationOf.get(event.queueId) ?? []).entries()) {
            const due = now.getTime() + step.afterSeconds * 1000;
            const slot = Math.ceil(due / RELAXATION_SLOT_MS);
            const jobId = `route:${event.queueId}:relax:${i + 1}:${slot}`;
            if (!later.has(jobId)) later.set(jobId, { ...evaluate(event.queueId, jobId), delayMs: slot * RELAXATION_SLOT_MS - now.getTime() + 50 });
          }
        }
        if (event.type === 'agent.presence' && event.presence === 'available') freed = id;
        if (event.type === 'agent.freed') freed = id;
        // Once the decline cool-down is over, a decliner may be asked again: route the queue then.
        if (event.type === 'offer.answered' && (event.status === 'declined' || event.status === 'expired') && event.queueId) {
          later.set(`cooldown:${id}`, { ...evaluate(event.queueId, `route:${event.queueId}:cooldown:${id}`), delayMs: cooldownMs + 50 });
        }
      }
      // An agent became available or had capacity freed: every queue with waiting items may route now.
      if (freed !== null) {
        for (const queueId of await session.workItems.queuesWithWaiting()) {
          if (!planned.has(queueId)) planned.set(queueId, evaluate(queueId, `route:${queueId}:${freed}`));
        }
      }
      return [...planned.values(), ...later.values()];
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
  defineJob({
    name: ROUTING_JOBS.settlePresence,
    payload: z.object({ agentId: z.string().min(1) }),
    async handle({ agentId }) {
      const { rescinded, requeued } = await deps.manage.settle(agentId);
      return rescinded + requeued > 0;
    },
    // An agent left `available` (by an expiry, or a change whose settling was cut short): settle its work.
    plan(events) {
      return events.flatMap(({ id, event }) =>
        event.type === 'agent.presence' && event.presence !== 'available'
          ? [{ name: ROUTING_JOBS.settlePresence, payload: { agentId: event.agentId }, jobId: `settle:${event.agentId}:${id}` }]
          : [],
      );
    },
  }),
  ];
};
