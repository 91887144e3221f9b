import { AnswerOffer, ChannelRegistry, Clock, CoreSettings, CustomerQueries, DeskActions, DeskCommands, DeskQueries, ManageCustomers, ManageRouting, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** What agents do and read, for the API and desk plugins alike. */
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
  bind(ManageCustomers)
    .toDynamicValue((ctx) => new ManageCustomers(ctx.get<Store>(Store), ctx.get<Clock>(Clock), { defaultRegion: ctx.get<CoreSettings>(CoreSettings).identity.defaultRegion }))
    .inSingletonScope();
  bind(DeskQueries)
    .toDynamicValue((ctx) => new DeskQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
});
