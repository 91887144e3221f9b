import { AnswerOffer, Clock, CoreSettings, JobQueue, ManageRouting, RouteQueue, RoutingQueries, Store, routingJobs } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** Queues, agents, offers, the router and its jobs. */
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
  bind(RoutingQueries)
    .toDynamicValue((ctx) => new RoutingQueries(ctx.get<Store>(Store), ctx.get<Clock>(Clock)))
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => routingJobs({ route: ctx.get(RouteQueue), offers: ctx.get(AnswerOffer), jobs: ctx.get<JobQueue>(JobQueue) }))
    .inSingletonScope();
});
