import { ChannelRegistry, Clock, CoreSettings, DeliverOutbound, Logger, MarkDeliveryFailed, Store, deliveryJobs, type DeliveryOutcome } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** Outbound delivery, late failures reported by channels, and the delivery job. */
export const deliveryModule = (onDeliveryOutcome: (channel: string, outcome: DeliveryOutcome) => void) =>
  new ContainerModule(({ bind }) => {
    bind(DeliverOutbound)
      .toDynamicValue(
        (ctx) =>
          new DeliverOutbound(
            ctx.get<Store>(Store),
            ctx.get<Clock>(Clock),
            ctx.get<ChannelRegistry>(ChannelRegistry),
            ctx.get<Logger>(Logger),
            ctx.get<CoreSettings>(CoreSettings),
            onDeliveryOutcome,
          ),
      )
      .inSingletonScope();
    bind(MarkDeliveryFailed)
      .toDynamicValue((ctx) => new MarkDeliveryFailed(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<Logger>(Logger)))
      .inSingletonScope();
    bind<JobContributionList>(JobContributions)
      .toDynamicValue((ctx) => deliveryJobs({ deliver: ctx.get(DeliverOutbound) }))
      .inSingletonScope();
  });
