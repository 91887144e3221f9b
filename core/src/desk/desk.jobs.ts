import { z } from 'zod';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { NotifyDesks } from './use-cases/notify-desks.use-case.js';

export const DESK_JOBS = {
  deliverOffer: 'desk.deliver-offer',
  updateOffer: 'desk.update-offer',
  postToThread: 'desk.post-to-thread',
} as const;

const OFFER_OUTCOMES = ['accepted', 'declined', 'expired', 'rescinded'] as const;
const isOutcome = (status: string): status is (typeof OFFER_OUTCOMES)[number] => (OFFER_OUTCOMES as readonly string[]).includes(status);

/**
 * The desk's jobs: after commit, show an offer, its answer and the entries of an assigned
 * conversation on every desk that reaches the agent. Job ids carry the offer or entry id, and
 * desks show the same offer or post once, so a relay or retry that runs one twice changes nothing.
 * A desk that fails is retried with backoff, then dead-lettered with its (scrubbed) error.
 */
export const deskJobs = (deps: { notify: NotifyDesks }): JobContribution[] => {
  // No desk installed (offers are answered through the API): a job per offer would find nobody to
  // show it to, and would queue ahead of routing's own jobs.
  const none = () => !deps.notify.anyDesk();
  return [
  defineJob({
    name: DESK_JOBS.deliverOffer,
    payload: z.object({ offerId: z.string().min(1) }),
    concurrency: 8,
    handle: ({ offerId }) => deps.notify.offerCreated(offerId),
    plan: (events) =>
      none() ? [] : events.flatMap(({ event }) =>
        event.type === 'offer.created' ? [{ name: DESK_JOBS.deliverOffer, payload: { offerId: event.offerId }, jobId: `desk-offer:${event.offerId}` }] : [],
      ),
  }),
  defineJob({
    name: DESK_JOBS.updateOffer,
    payload: z.object({ offerId: z.string().min(1), status: z.enum(OFFER_OUTCOMES) }),
    concurrency: 8,
    handle: ({ offerId, status }) => deps.notify.offerAnswered(offerId, status),
    plan: (events) =>
      none() ? [] : events.flatMap(({ event }) =>
        event.type === 'offer.answered' && isOutcome(event.status)
          ? [{ name: DESK_JOBS.updateOffer, payload: { offerId: event.offerId, status: event.status }, jobId: `desk-offer:${event.offerId}:${event.status}` }]
          : [],
      ),
  }),
  defineJob({
    name: DESK_JOBS.postToThread,
    payload: z.object({ interactionId: z.string().min(1), agentId: z.string().min(1) }),
    concurrency: 8,
    handle: ({ interactionId, agentId }) => deps.notify.threadPost(interactionId, agentId),
    plan: (events) =>
      none() ? [] : events.flatMap(({ event }) =>
        event.type === 'desk.post'
          ? [{ name: DESK_JOBS.postToThread, payload: { interactionId: event.interactionId, agentId: event.agentId }, jobId: `desk-post:${event.interactionId}:${event.agentId}` }]
          : [],
      ),
  }),
  ];
};
