import { createRoute, z } from '@hono/zod-openapi';
import { conflict, decodeCursor, encodeCursor, invalid, notFound, type ManageMigrations, type Page, type PageRequest } from '@switchboard/core';
import { MigrationRunSchema, migrationRunJson } from '../migrations/migrations.schemas.js';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import type { ResyncRequest, ResyncResult } from '@switchboard/core';
import type { PluginHealthReport, PluginTestResult } from '../../plugins/plugin-supervisor.js';
import { HealthSchema, healthJson } from '../shared/health.schemas.js';
import { PageQuery, errorResponses, json, pageOf } from '../shared/views.js';

const PluginSchema = z
  .object({
    id: z.string().openapi({ description: 'The instance id from the configuration' }),
    use: z.string(),
    name: z.string().openapi({ description: "The plugin's name (its npm package)" }),
    displayName: z.string().nullable(),
    version: z.string().nullable(),
    kinds: z.array(z.string()),
    enabled: z.boolean(),
    health: HealthSchema,
    retired: z.boolean().optional().openapi({ description: 'Legacy sources: cut over, read-only; the hub serves their history' }),
    retiredAt: z.string().nullable().optional(),
  })
  .openapi('Plugin');

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listPlugins',
  tags: ['plugins'],
  summary: 'Installed plugin instances with their health, by instance id',
  middleware: [requireScope('read')],
  request: { query: PageQuery },
  responses: { 200: json(pageOf(PluginSchema), 'One page of plugins'), ...errorResponses },
});

const badCursor = () => invalid('PAGE.INVALID_CURSOR', 'the cursor is damaged or belongs to another list; ask again without it', 'cursor');

// Keyset on the instance id, unique in the configuration: a page never repeats or skips one.
const pluginPage = (plugins: readonly PluginHealthReport[], page: PageRequest): Page<PluginHealthReport> => {
  let after: string | undefined;
  if (page.cursor !== undefined) {
    const parts = decodeCursor(page.cursor);
    const [id] = parts ?? [];
    if (parts?.length !== 1 || typeof id !== 'string') throw badCursor();
    after = id;
  }
  const rest = plugins
    .filter((p) => after === undefined || p.id > after)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const items = rest.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: rest.length > page.limit && last !== undefined ? encodeCursor([last.id]) : null };
};

const PluginTestSchema = z
  .object({
    ok: z.boolean().openapi({ description: 'False when the test says down, fails or times out' }),
    detail: z.string().openapi({ description: "What the test found; 'no connection test' for a plugin without one" }),
    health: HealthSchema,
  })
  .openapi('PluginTest');

const testRoute = createRoute({
  method: 'post',
  path: '/{id}/test',
  operationId: 'testPlugin',
  tags: ['plugins'],
  summary: "Run a plugin instance's connection test",
  description:
    "Runs the instance's `testConnection()` (at most 10 s), which checks its configuration against the outside system without changing anything. A plugin without a test answers `{ok: true, detail: 'no connection test'}`; a disabled instance answers `ok: false`.",
  middleware: [requireScope('admin')],
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The instance id' }) }) },
  responses: { 200: json(PluginTestSchema, 'The test ran'), ...errorResponses },
});

const ResyncBody = z
  .union([
    z.strictObject({ from: z.literal('start').openapi({ description: 'Re-read the whole source (IMAP: from UID 1)' }) }),
    z.strictObject({ since: z.iso.datetime({ offset: true }).openapi({ description: 'Re-read what arrived since this time (IMAP SEARCH SINCE, by day)' }) }),
  ])
  .openapi('PluginResyncRequest');

const ResyncSchema = z
  .object({
    seen: z.number().int().openapi({ description: 'Messages read from the source' }),
    added: z.number().int().openapi({ description: 'Messages recorded now; the rest were recorded already' }),
    detail: z.string().optional(),
  })
  .openapi('PluginResync');

const resyncRoute = createRoute({
  method: 'post',
  path: '/{id}/resync',
  operationId: 'resyncPlugin',
  tags: ['plugins'],
  summary: "Re-read a plugin instance's source, adding only what is not recorded",
  description:
    'For sources that are read (an IMAP mailbox): reads again from the start or since a date and records what the ledger does not hold yet; what is recorded already is left alone (dedupe on the message id). Answers when done. A plugin without a source to re-read, or a disabled one, answers 409.',
  middleware: [requireScope('admin')],
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The instance id' }) }),
    body: { content: { 'application/json': { schema: ResyncBody } }, required: true },
  },
  responses: { 200: json(ResyncSchema, 'The resync ran'), ...errorResponses },
});

const cutoverRoute = createRoute({
  method: 'post',
  path: '/{id}/cutover',
  operationId: 'cutoverPlugin',
  tags: ['plugins'],
  summary: 'Cut a legacy source over: a final delta, then the source is retired (read-only)',
  description:
    'Starts a final delta run (answered at once, like `POST /v1/migrations`); when it ends done the source is retired: no more runs, scheduled deltas or write-backs, and `GET /v1/plugins` shows it `retired`. ' +
    'An instance that is not a legacy source, or one with a run going, answers 409; a source without a completed full run answers 409.',
  middleware: [requireScope('admin')],
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The instance id' }) }) },
  responses: { 202: json(MigrationRunSchema, 'The final delta, started'), ...errorResponses },
});

export const pluginRoutes = (deps: {
  migrations?: Pick<ManageMigrations, 'cutover' | 'sourceStates'>;
  pluginHealth(): Promise<PluginHealthReport[]>;
  testPlugin(id: string): Promise<PluginTestResult | undefined>;
  resyncPlugin(id: string, request: ResyncRequest): Promise<ResyncResult | undefined>;
}) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = pluginPage(await deps.pluginHealth(), c.req.valid('query'));
      const states = new Map((deps.migrations ? await deps.migrations.sourceStates() : []).map((s) => [s.source, s]));
      const legacy = (p: PluginHealthReport) => {
        if (!p.kinds.includes('legacy')) return {};
        const retiredAt = states.get(p.id)?.retiredAt ?? null;
        return { retired: retiredAt !== null, retiredAt: retiredAt?.toISOString() ?? null };
      };
      return c.json({ items: page.items.map((p) => ({ ...p, health: healthJson(p.health), ...legacy(p) })), nextCursor: page.nextCursor }, 200);
    })
    .openapi(testRoute, async (c) => {
      const { id } = c.req.valid('param');
      const result = await deps.testPlugin(id);
      if (result === undefined) throw notFound('PLUGIN.NOT_FOUND', `no plugin instance '${id}' is configured`);
      return c.json({ ...result, health: healthJson(result.health) }, 200);
    })
    .openapi(resyncRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const request: ResyncRequest = 'since' in body ? { since: new Date(body.since) } : { from: 'start' };
      const result = await deps.resyncPlugin(id, request);
      if (result === undefined) throw notFound('PLUGIN.NOT_FOUND', `no plugin instance '${id}' is configured`);
      return c.json(result, 200);
    })
    .openapi(cutoverRoute, async (c) => {
      const { id } = c.req.valid('param');
      const plugin = (await deps.pluginHealth()).find((p) => p.id === id);
      if (plugin === undefined) throw notFound('PLUGIN.NOT_FOUND', `no plugin instance '${id}' is configured`);
      if (!plugin.kinds.includes('legacy') || deps.migrations === undefined) throw conflict('PLUGIN.NOT_LEGACY', `plugin instance '${id}' is not a legacy source`);
      return c.json(migrationRunJson(await deps.migrations.cutover(id)), 202);
    });
