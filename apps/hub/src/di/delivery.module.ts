import { AnswerOffer, ChannelRegistry, Clock, CoreSettings, DeliverOutbound, JobQueue, Logger, RelayOutbox, Store, Sweep, type DeliveryOutcome } from '@switchboard/core';
import { ContainerModule } from 'inversify';

/** Outbound delivery, the outbox relay and the sweeper. */
export const deliveryModule = (onDeliveryOutcome: (channel: string, outcome: DeliveryOutcome) => void) =>
  new ContainerModule(({ bind }) => {
    bind(DeliverOutbound)
      .toDynamicValue(
        (ctx) =>
          new DeliverOutbound(
            ctx.get<Store>(Store),
            ctx.get<Clock>(Clock),
            ctx.get<ChannelRegistry>(ChannelRegistry),
            ctx.get<JobQueue>(JobQueue),
            ctx.get<Logger>(Logger),
            ctx.get<CoreSettings>(CoreSettings),
            onDeliveryOutcome,
          ),
      )
      .inSingletonScope();
    bind(RelayOutbox)
      .toDynamicValue((ctx) => new RelayOutbox(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock)))
      .inSingletonScope();
    bind(Sweep)
      .toDynamicValue(
        (ctx) =>
          new Sweep(ctx.get<Store>(Store), ctx.get<JobQueue>(JobQueue), ctx.get<Clock>(Clock), ctx.get(RelayOutbox), ctx.get(AnswerOffer), ctx.get<Logger>(Logger)),
      )
      .inSingletonScope();
  });
