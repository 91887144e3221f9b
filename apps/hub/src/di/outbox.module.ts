import { Clock, JobQueue, RelayOutbox, Store, Sweep } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** The outbox relay and the sweeper, over every area's job contributions. */
export const outboxModule = new ContainerModule(({ bind }) => {
  bind(RelayOutbox)
    .toDynamicValue((ctx) => new RelayOutbox(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock), ctx.getAll<JobContributionList>(JobContributions).flat()))
    .inSingletonScope();
  bind(Sweep)
    .toDynamicValue(
      (ctx) => new Sweep(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock), ctx.get(RelayOutbox), ctx.getAll<JobContributionList>(JobContributions).flat()),
    )
    .inSingletonScope();
});
