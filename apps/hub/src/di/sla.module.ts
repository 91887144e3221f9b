import { CheckSla, Clock, JobQueue, SlaQueries, Store, slaJobs } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** SLA clocks: the breach sweep and its job, the clocks on conversations and queue stats. */
export const slaModule = new ContainerModule(({ bind }) => {
  bind(CheckSla)
    .toDynamicValue((ctx) => new CheckSla(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind(SlaQueries)
    .toDynamicValue((ctx) => new SlaQueries(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => slaJobs({ check: ctx.get(CheckSla), jobs: ctx.get<JobQueue>(JobQueue) }))
    .inSingletonScope();
});
