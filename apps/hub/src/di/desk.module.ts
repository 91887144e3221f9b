import {
  AnswerOffer,
  ChannelRegistry,
  Clock,
  CustomerQueries,
  DeskActions,
  DeskCommands,
  DeskQueries,
  DeskRegistry,
  EraseCustomer,
  ManageRouting,
  NotifyDesks,
  Store,
  deskJobs,
} from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** What agents do and read, for the API and desk plugins alike, and the jobs that reach their desks. */
export const deskModule = new ContainerModule(({ bind }) => {
  bind<DeskCommands>(DeskCommands)
    .toDynamicValue(
      (ctx) =>
        new DeskActions(
          ctx.get<Store>(Store),
          ctx.get<Clock>(Clock),
          ctx.get(AnswerOffer),
          ctx.get(ManageRouting),
          ctx.get(CustomerQueries),
          ctx.get<ChannelRegistry>(ChannelRegistry),
        ),
    )
    .inSingletonScope();
  bind(NotifyDesks)
    .toDynamicValue((ctx) => new NotifyDesks(ctx.get<Store>(Store), ctx.get<DeskRegistry>(DeskRegistry)))
    .inSingletonScope();
  // Offers, their answers and thread entries shown on the desks, after commit.
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => deskJobs({ notify: ctx.get(NotifyDesks) }))
    .inSingletonScope();
  bind(DeskQueries)
    .toDynamicValue((ctx) => new DeskQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
  bind(EraseCustomer)
    .toDynamicValue((ctx) => new EraseCustomer(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
});
