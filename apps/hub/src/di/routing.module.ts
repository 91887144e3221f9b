import { AnswerOffer, Clock, CoreSettings, JobQueue, ManageRouting, ManageRoutingRules, RouteQueue, RoutingQueries, Store, routingJobs, routingSettings, type RoutingSettings } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

const settingsOf = (core: CoreSettings): RoutingSettings =>
  routingSettings({
    setAwayOnOfferExpiry: core.setAwayOnOfferExpiry,
    ...(core.requeueOnOffline === undefined ? {} : { requeueOnOffline: core.requeueOnOffline }),
    ...(core.declineCooldownSeconds === undefined ? {} : { declineCooldownSeconds: core.declineCooldownSeconds }),
  });

/** Queues, agents, offers, the router and its jobs. */
export const routingModule = new ContainerModule(({ bind }) => {
  bind(RouteQueue)
    .toDynamicValue((ctx) => new RouteQueue(ctx.get<Store>(Store), ctx.get<Clock>(Clock), settingsOf(ctx.get<CoreSettings>(CoreSettings))))
    .inSingletonScope();
  bind(AnswerOffer)
    .toDynamicValue((ctx) => new AnswerOffer(ctx.get<Store>(Store), ctx.get<Clock>(Clock), settingsOf(ctx.get<CoreSettings>(CoreSettings))))
    .inSingletonScope();
  bind(ManageRouting)
    .toDynamicValue((ctx) => new ManageRouting(ctx.get<Store>(Store), ctx.get<Clock>(Clock), settingsOf(ctx.get<CoreSettings>(CoreSettings))))
    .inSingletonScope();
  bind(ManageRoutingRules)
    .toDynamicValue((ctx) => new ManageRoutingRules(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind(RoutingQueries)
    .toDynamicValue((ctx) => new RoutingQueries(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) =>
      routingJobs({
        route: ctx.get(RouteQueue),
        offers: ctx.get(AnswerOffer),
        manage: ctx.get(ManageRouting),
        jobs: ctx.get<JobQueue>(JobQueue),
        settings: settingsOf(ctx.get<CoreSettings>(CoreSettings)),
        clock: ctx.get<Clock>(Clock),
      }),
    )
    .inSingletonScope();
});
