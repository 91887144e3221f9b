import { Clock, FollowEvents, Store, eventJobs } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** Replay window of the event log (`GET /v1/events` resumes within it). */
export const EVENT_RETENTION_SECONDS = 7 * 86_400;

/** The event log: its follower (the SSE stream) and its retention job. */
export const eventsModule = new ContainerModule(({ bind }) => {
  bind(FollowEvents)
    .toDynamicValue((ctx) => new FollowEvents(ctx.get<Store>(Store)))
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => eventJobs({ store: ctx.get<Store>(Store), clock: ctx.get<Clock>(Clock), retentionSeconds: EVENT_RETENTION_SECONDS }))
    .inSingletonScope();
});
