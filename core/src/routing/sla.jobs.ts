import { z } from 'zod';
import { defineJob, type JobContribution } from '../shared/jobs.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import type { CheckSla } from './use-cases/sla.use-case.js';

export const SLA_JOBS = { check: 'routing.check-sla' } as const;

/** The SLA sweep: started by every sweeper run (one job per sweep bucket), again at once while batches are full. */
export const slaJobs = (deps: { check: CheckSla; jobs: Pick<JobQueue, 'enqueue'> }): JobContribution[] => [
  defineJob({
    name: SLA_JOBS.check,
    payload: z.object({}).passthrough(),
    async handle(_payload, job) {
      const result = await deps.check.run();
      if (result.more) await deps.jobs.enqueue(SLA_JOBS.check, {}, { jobId: `sla:more:${job.id}` });
      return result.breaches > 0;
    },
    async sweep({ bucket }) {
      return [{ name: SLA_JOBS.check, payload: {}, jobId: `sla:sweep:${bucket}` }];
    },
  }),
];
