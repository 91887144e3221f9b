import { AnswerOffer, ChannelRegistry, Clock, CustomerQueries, DeskActions, DeskCommands, DeskQueries, EraseCustomer, ManageRouting, Store } from '@switchboard/core';
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
  bind(DeskQueries)
    .toDynamicValue((ctx) => new DeskQueries(ctx.get<Store>(Store)))
    .inSingletonScope();
  bind(EraseCustomer)
    .toDynamicValue((ctx) => new EraseCustomer(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
});
