import { Clock, JobQueue, Logger, ManageDeadLetters, RelayOutbox, Store, Sweep, outboxJobs } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** How long a dispatched outbox event is kept (for an operator asking what was relayed when). */
export const OUTBOX_RETENTION_SECONDS = 86_400;

/** The outbox relay and the sweeper, over every area's job contributions; the dead letters they leave. */
export const outboxModule = new ContainerModule(({ bind }) => {
  bind(RelayOutbox)
    .toDynamicValue((ctx) => new RelayOutbox(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock), ctx.getAll<JobContributionList>(JobContributions).flat()))
    .inSingletonScope();
  bind(Sweep)
    .toDynamicValue(
      (ctx) => new Sweep(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock), ctx.get(RelayOutbox), ctx.getAll<JobContributionList>(JobContributions).flat()),
    )
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => outboxJobs({ store: ctx.get<Store>(Store), clock: ctx.get<Clock>(Clock), retentionSeconds: OUTBOX_RETENTION_SECONDS }))
    .inSingletonScope();
  bind(ManageDeadLetters)
    .toDynamicValue((ctx) => new ManageDeadLetters(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Logger>(Logger).child({ area: 'jobs' })))
    .inSingletonScope();
});
