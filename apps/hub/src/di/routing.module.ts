import { AnswerOffer, Clock, CoreSettings, ManageRouting, RouteQueue, Store } from '@switchboard/core';
import { ContainerModule } from 'inversify';

export const routingModule = new ContainerModule(({ bind }) => {
  bind(RouteQueue)
    .toDynamicValue((ctx) => new RouteQueue(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind(AnswerOffer)
    .toDynamicValue((ctx) => new AnswerOffer(ctx.get<Store>(Store), ctx.get<Clock>(Clock), { setAwayOnOfferExpiry: ctx.get<CoreSettings>(CoreSettings).setAwayOnOfferExpiry }))
    .inSingletonScope();
  bind(ManageRouting)
    .toDynamicValue((ctx) => new ManageRouting(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
});
