import { z } from '@hono/zod-openapi';
import { ALL_LEGACY_ENTITIES, MIGRATION_MODES, MIGRATION_STATUSES, REPORT_NAMES, type MigrationRun, type ReconciliationReport } from '@switchboard/core';

const ChecksumSchema = z.object({ source: z.string(), hub: z.string() }).openapi({ description: 'Order-independent sums (mod 2^64, hex) of the content hashes of what the run read, as the source gave it and as the hub holds it' });

export const EntityCountersSchema = z
  .object({
    source: z.number().int().openapi({ description: 'Records the source holds (its describe() at the start)' }),
    hub: z.number().int().openapi({ description: 'Records of this source the hub holds after the run' }),
    read: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    joined: z.number().int().optional().openapi({ description: 'users: legacy users that joined a hub customer who had their address' }),
    checksum: ChecksumSchema,
  })
  .openapi('MigrationEntityCounters');

export const StartMigrationSchema = z
  .strictObject({
    source: z.string().min(1).max(200).openapi({ description: 'The legacy plugin instance id (`osticket`)', example: 'osticket' }),
    mode: z.enum(MIGRATION_MODES).openapi({ description: '`demo`: a sample of tickets with their customers; `full`: everything; `delta`: what changed since the last run, by the source\'s own markers' }),
    dryRun: z.boolean().optional().openapi({ description: 'Everything but the writes, with the same report' }),
    sample: z.number().int().min(1).max(100_000).optional().openapi({ description: 'demo: how many tickets' }),
  })
  .refine((body) => body.mode !== 'demo' || body.sample !== undefined, { message: 'a demo run needs sample: how many tickets', path: ['sample'] })
  .openapi('StartMigration');

export const MigrationRunSchema = z
  .object({
    id: z.string(),
    source: z.string(),
    system: z.string().nullable(),
    mode: z.enum(MIGRATION_MODES),
    dryRun: z.boolean(),
    sample: z.number().int().nullable(),
    cutover: z.boolean().openapi({ description: 'The final delta of a cutover: the source is retired when it ends done' }),
    status: z.enum(MIGRATION_STATUSES),
    cancelRequested: z.boolean(),
    progress: z.object({ read: z.number().int(), total: z.number().int(), percent: z.number().int(), entity: z.string().nullable() }),
    counters: z.record(z.string(), EntityCountersSchema).openapi({ description: 'Per entity (`users`, `tickets`, `entries`, `organizations`, `staff`…)' }),
    error: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi('MigrationRun');

export const migrationRunJson = (run: MigrationRun): z.infer<typeof MigrationRunSchema> => ({
  id: run.id,
  source: run.source,
  system: run.system,
  mode: run.mode,
  dryRun: run.dryRun,
  sample: run.sample,
  cutover: run.cutover,
  status: run.status,
  cancelRequested: run.cancelRequested,
  progress: run.progress,
  counters: Object.fromEntries(ALL_LEGACY_ENTITIES.flatMap((entity) => (run.counters[entity] === undefined ? [] : [[REPORT_NAMES[entity], run.counters[entity]]]))),
  error: run.error,
  createdAt: run.createdAt.toISOString(),
  updatedAt: run.updatedAt.toISOString(),
  finishedAt: run.finishedAt?.toISOString() ?? null,
});

const RowSchema = z.object({ entity: z.string(), sourceId: z.string(), reason: z.string() });

export const ReportSchema = z
  .object({
    runId: z.string(),
    source: z.string(),
    mode: z.enum(MIGRATION_MODES),
    dryRun: z.boolean(),
    status: z.enum(MIGRATION_STATUSES),
    entities: z.record(z.string(), EntityCountersSchema),
    failures: z.array(RowSchema).openapi({ description: 'Every failed or skipped row with its reason' }),
    warnings: z.array(RowSchema).openapi({ description: 'Rows imported with something left out (an address that is not one)' }),
  })
  .openapi('MigrationReport');

export const reportJson = (report: ReconciliationReport): z.infer<typeof ReportSchema> => report;
