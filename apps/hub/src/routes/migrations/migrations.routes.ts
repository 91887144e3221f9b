import { createRoute, z } from '@hono/zod-openapi';
import { MIGRATION_STATUSES, reportCsv, type ManageMigrations } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, errorResponses, json, pageOf } from '../shared/views.js';
import { MigrationRunSchema, ReportSchema, StartMigrationSchema, migrationRunJson, reportJson } from './migrations.schemas.js';

const tags = ['migrations'];
const admin = [requireScope('admin')];

const startRoute = createRoute({
  method: 'post',
  path: '/',
  operationId: 'startMigration',
  tags,
  summary: 'Start a migration run from a legacy source',
  description:
    'Records the run and answers at once; a worker runs it through the job queue, batch by batch, each batch committed with its checkpoint, so a restart resumes it. ' +
    'Imported history is never routed nor notified; open tickets become queued conversations (`hub.migration.openTickets`). Progress: `GET /v1/migrations/{id}` and `migration.progress` events on `/v1/events`. ' +
    'One run per source at a time (409 otherwise); a retired source refuses runs (409); a delta needs a completed full run (409).',
  middleware: admin,
  request: { body: { required: true, content: { 'application/json': { schema: StartMigrationSchema } } } },
  responses: { 202: json(MigrationRunSchema, 'The run, started'), ...errorResponses },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listMigrations',
  tags,
  summary: 'Migration runs, newest first',
  middleware: [requireScope('read')],
  request: { query: PageQuery.extend({ source: z.string().optional(), status: z.enum(MIGRATION_STATUSES).optional() }) },
  responses: { 200: json(pageOf(MigrationRunSchema), 'One page of runs'), ...errorResponses },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getMigration',
  tags,
  summary: 'A migration run: status, progress, counters per entity',
  middleware: [requireScope('read')],
  request: { params: IdParam },
  responses: { 200: json(MigrationRunSchema, 'The run'), ...errorResponses },
});

const cancelRoute = createRoute({
  method: 'post',
  path: '/{id}/cancel',
  operationId: 'cancelMigration',
  tags,
  summary: 'Cancel a running migration after the batch in flight',
  description: 'What committed stays (a later run finds it unchanged). A run that is not running answers 409.',
  middleware: admin,
  request: { params: IdParam },
  responses: { 200: json(MigrationRunSchema, 'The run, cancellation requested'), ...errorResponses },
});

const reportRoute = createRoute({
  method: 'get',
  path: '/{id}/report',
  operationId: 'getMigrationReport',
  tags,
  summary: 'The reconciliation report of a run (JSON, or CSV with Accept: text/csv)',
  description:
    '`entities.<name>.{source, hub, created, updated, unchanged, skipped, failed, checksum: {source, hub}}` per entity and `failures: [{entity, sourceId, reason}]`. ' +
    'With `Accept: text/csv`: one line per entity, a blank line, then one line per failure and warning.',
  middleware: [requireScope('read')],
  request: { params: IdParam },
  responses: {
    200: { description: 'The report', content: { 'application/json': { schema: ReportSchema }, 'text/csv': { schema: z.string() } } },
    ...errorResponses,
  },
});

export const migrationRoutes = (deps: { migrations: ManageMigrations }) =>
  createRouter()
    .openapi(startRoute, async (c) => {
      const body = c.req.valid('json');
      const run = await deps.migrations.start({ source: body.source, mode: body.mode, dryRun: body.dryRun, sample: body.sample });
      return c.json(migrationRunJson(run), 202);
    })
    .openapi(listRoute, async (c) => {
      const { cursor, limit, source, status } = c.req.valid('query');
      const page = await deps.migrations.list({ source, status }, { cursor, limit });
      return c.json({ items: page.items.map(migrationRunJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(getRoute, async (c) => c.json(migrationRunJson(await deps.migrations.get(c.req.valid('param').id)), 200))
    .openapi(cancelRoute, async (c) => c.json(migrationRunJson(await deps.migrations.cancel(c.req.valid('param').id)), 200))
    .openapi(reportRoute, async (c) => {
      const report = await deps.migrations.report(c.req.valid('param').id);
      const accept = c.req.header('accept') ?? '';
      if (/\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept)) {
        return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="migration-${report.runId}.csv"` });
      }
      return c.json(reportJson(report), 200);
    });
