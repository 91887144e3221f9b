import { createRoute, z } from '@hono/zod-openapi';
import { decodeCursor, encodeCursor, invalid, type Page, type PageRequest } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import type { PluginHealthReport } from '../../plugins/plugin-supervisor.js';
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
    health: z.object({ status: z.enum(['up', 'degraded', 'down']), detail: z.string().optional() }),
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

export const pluginRoutes = (deps: { pluginHealth(): Promise<PluginHealthReport[]> }) =>
  createRouter().openapi(listRoute, async (c) => c.json(pluginPage(await deps.pluginHealth(), c.req.valid('query')), 200));
