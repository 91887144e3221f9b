import type { JobContribution, JobQueue, StoreSession } from '@switchboard/core';

/**
 * The worker side: registers every area's job contributions on the queue. A handler that
 * committed outbox events asks for a relay at once (`afterWrite`).
 */
export const registerJobHandlers = (queue: JobQueue, contributions: readonly JobContribution<StoreSession>[], afterWrite: () => void): void => {
  for (const contribution of contributions) {
    queue.register(
      contribution.name,
      async (job) => {
        if (await contribution.run(job)) afterWrite();
      },
      contribution.concurrency === undefined ? {} : { concurrency: contribution.concurrency },
    );
  }
};
