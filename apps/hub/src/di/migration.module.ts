import { Clock, LegacySources, Logger, ManageMigrations, RunMigration, Store, migrationJobs, type MigrationSettings } from '@switchboard/core';
import { ContainerModule } from 'inversify';
import { JobContributions, type JobContributionList } from './jobs.js';

export interface MigrationWiring {
  sources: LegacySources;
  settings: MigrationSettings;
  /** Legacy instance id → seconds between scheduled deltas. */
  sync: Record<string, number>;
}

/** Migration runs from the legacy plugin instances: the runner, its driving use case and its jobs. */
export const migrationModule = (wiring: MigrationWiring) =>
  new ContainerModule(({ bind }) => {
    bind<LegacySources>(LegacySources).toConstantValue(wiring.sources);
    bind(RunMigration)
      .toDynamicValue((ctx) => new RunMigration(ctx.get<Store>(Store), wiring.sources, ctx.get<Clock>(Clock), wiring.settings, ctx.get<Logger>(Logger)))
      .inSingletonScope();
    bind(ManageMigrations)
      .toDynamicValue((ctx) => new ManageMigrations(ctx.get<Store>(Store), wiring.sources, ctx.get<Clock>(Clock)))
      .inSingletonScope();
    bind<JobContributionList>(JobContributions)
      .toDynamicValue((ctx) =>
        migrationJobs({
          store: ctx.get<Store>(Store),
          clock: ctx.get<Clock>(Clock),
          runner: ctx.get(RunMigration),
          manage: ctx.get(ManageMigrations),
          sources: wiring.sources,
          sync: wiring.sync,
          logger: ctx.get<Logger>(Logger),
        }),
      )
      .inSingletonScope();
  });
