import type { JobContribution, StoreSession } from '@switchboard/core';

/** Each area module binds its job contributions under this token; the outbox and the workers take them all. */
export const JobContributions = Symbol.for('switchboard.JobContributions');
export type JobContributionList = readonly JobContribution<StoreSession>[];
