import { z } from 'zod';
import { defineJob, delayUntil, type JobContribution } from '../shared/jobs.js';
import type { DeliverySession } from './ports/delivery-store.port.js';
import type { DeliverOutbound } from './use-cases/deliver-outbound.use-case.js';

export const DELIVERY_JOBS = {
  sendOutbound: 'delivery.send-outbound',
} as const;

const SWEEP_LIMIT = 500;

/** Delivery's job: send one outbound interaction through its channel. */
export const deliveryJobs = (deps: { deliver: DeliverOutbound }): JobContribution<DeliverySession>[] => [
  defineJob({
    name: DELIVERY_JOBS.sendOutbound,
    payload: z.object({ interactionId: z.string().min(1) }),
    concurrency: 8,
    async handle({ interactionId }) {
      // A retry is written to the outbox: say so, so it is relayed at once.
      return (await deps.deliver.run(interactionId)) === 'retrying';
    },
    plan(events, { now }) {
      return events.flatMap(({ event }) =>
        event.type === 'delivery.requested'
          ? [
              {
                name: DELIVERY_JOBS.sendOutbound,
                payload: { interactionId: event.interactionId },
                jobId: `deliver:${event.interactionId}:${event.attempt}`,
                ...(event.notBefore ? { delayMs: delayUntil(event.notBefore, now) } : {}),
              },
            ]
          : [],
      );
    },
    // Due deliveries whose job the queue lost (a Redis flush, an in-process queue gone with its process).
    async sweep({ session, now, bucket }) {
      return (await session.deliveries.listDue(now, SWEEP_LIMIT)).map((d) => ({
        name: DELIVERY_JOBS.sendOutbound,
        payload: { interactionId: d.interactionId },
        jobId: `deliver:${d.interactionId}:sweep:${bucket}`,
      }));
    },
  }),
];
