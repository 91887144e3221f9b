import { JOBS, type AnswerOffer, type DeliverOutbound, type JobQueue, type RouteQueue } from '@switchboard/core';

export interface JobHandlerDeps {
  queue: JobQueue;
  route: RouteQueue;
  offers: AnswerOffer;
  deliver: DeliverOutbound;
  /** Relays the outbox events a handler just committed. */
  afterWrite(): void;
}

const field = (payload: unknown, name: string): string => {
  const value = payload !== null && typeof payload === 'object' ? (payload as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string') throw new Error(`job payload lacks '${name}'`);
  return value;
};

/** The worker side: every job the hub runs, by name. */
export const registerJobHandlers = (deps: JobHandlerDeps): void => {
  deps.queue.register(
    JOBS.routeQueue,
    async (job) => {
      const queueId = field(job.payload, 'queueId');
      const result = await deps.route.run(queueId);
      if (result.offers > 0) deps.afterWrite();
      if (result.more) await deps.queue.enqueue(JOBS.routeQueue, { queueId }, { jobId: `route:${queueId}:more:${job.id}` });
    },
    { concurrency: 4 },
  );
  deps.queue.register(JOBS.expireOffer, async (job) => {
    if (await deps.offers.expire(field(job.payload, 'offerId'))) deps.afterWrite();
  });
  deps.queue.register(JOBS.sendOutbound, async (job) => {
    await deps.deliver.run(field(job.payload, 'interactionId'));
  }, { concurrency: 8 });
};
