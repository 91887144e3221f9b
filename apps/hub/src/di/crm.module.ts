import { Clock, CoreSettings, CrmFacts, CrmQueries, CrmRegistry, DEFAULT_CRM_SETTINGS, Logger, Store, SyncCrm, crmJobs } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

/** The CRM sync (match, link, log every entry) and the cached CRM facts of customer 360 and desk cards. */
export const crmModule = new ContainerModule(({ bind }) => {
  bind(SyncCrm)
    .toDynamicValue((ctx) => {
      const settings = ctx.get<CoreSettings>(CoreSettings);
      return new SyncCrm(ctx.get<Store>(Store), ctx.get<Clock>(Clock), ctx.get<CrmRegistry>(CrmRegistry), { rules: settings.identity.rules, crm: settings.crm }, ctx.get<Logger>(Logger));
    })
    .inSingletonScope();
  bind(CrmFacts)
    .toDynamicValue((ctx) => new CrmFacts(ctx.get<CrmRegistry>(CrmRegistry), ctx.get<Clock>(Clock), (ctx.get<CoreSettings>(CoreSettings).crm ?? DEFAULT_CRM_SETTINGS).factsTtlSeconds))
    .inSingletonScope();
  bind(CrmQueries)
    .toDynamicValue((ctx) => new CrmQueries(ctx.get<Store>(Store), ctx.get<CrmRegistry>(CrmRegistry), ctx.get(CrmFacts)))
    .inSingletonScope();
  bind<JobContributionList>(JobContributions)
    .toDynamicValue((ctx) => crmJobs({ sync: ctx.get(SyncCrm), crms: ctx.get<CrmRegistry>(CrmRegistry) }))
    .inSingletonScope();
});
