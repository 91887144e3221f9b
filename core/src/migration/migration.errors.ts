import { DomainError } from '../shared/domain-error.js';

export const migrationErrors = {
  runNotFound: (id: string) => new DomainError('not_found', 'MIGRATION.RUN_NOT_FOUND', `no migration run ${id}`),
  unknownSource: (source: string, known: readonly string[]) =>
    new DomainError('invalid', 'MIGRATION.UNKNOWN_SOURCE', `no legacy source '${source}' is configured${known.length > 0 ? ` (legacy sources: ${known.join(', ')})` : ' (no legacy plugin is enabled)'}`, { field: 'source' }),
  alreadyRunning: (source: string, runId: string) => new DomainError('conflict', 'MIGRATION.ALREADY_RUNNING', `a migration of '${source}' is running already (${runId}); cancel it or wait for it to end`),
  retired: (source: string) => new DomainError('conflict', 'MIGRATION.SOURCE_RETIRED', `the legacy source '${source}' is retired (cut over): the hub serves its history read-only`),
  noFullRun: (source: string) => new DomainError('conflict', 'MIGRATION.NO_FULL_RUN', `'${source}' has no completed full run yet: a delta starts where a full run began`),
  notRunning: (id: string, status: string) => new DomainError('conflict', 'MIGRATION.NOT_RUNNING', `migration run ${id} is ${status}, not running`),
  sampleRequired: () => new DomainError('invalid', 'MIGRATION.SAMPLE', 'a demo run needs sample: how many tickets (1 to 100000)', { field: 'sample' }),
};
