import {
  AnswerOffer,
  ChannelRegistry,
  Clock,
  CoreSettings,
  CrmFacts,
  CrmRegistry,
  CustomerQueries,
  DeskActions,
  DeskCommands,
  DeskQueries,
  DeskRegistry,
  EraseCustomer,
  ManageCustomers,
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
          { crmEvents: ctx.get<CoreSettings>(CoreSettings).crmEvents },
        ),
    )
    .inSingletonScope();
  bind(ManageCustomers)
    .toDynamicValue((ctx) => new ManageCustomers(ctx.get<Store>(Store), ctx.get<Clock>(Clock), { defaultRegion: ctx.get<CoreSettings>(CoreSettings).identity.defaultRegion }))
    .inSingletonScope();
  bind(NotifyDesks)
    .toDynamicValue((ctx) => new NotifyDesks(ctx.get<Store>(Store), ctx.get<DeskRegistry>(DeskRegistry), ctx.get(CrmFacts)))
    .inSingletonScope();
  // Offers, their answers and thread entries shown on the desks, after commit.
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => deskJobs({ notify: ctx.get(NotifyDesks) }))
    .inSingletonScope();
  bind(DeskQueries)
    .toDynamicValue((ctx) => new DeskQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
  bind(EraseCustomer)
    .toDynamicValue((ctx) => {
      const facts = ctx.get(CrmFacts);
      return new EraseCustomer(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<CrmRegistry>(CrmRegistry), (instanceId, contactId) => facts.forget(instanceId, contactId));
    })
    .inSingletonScope();
});
