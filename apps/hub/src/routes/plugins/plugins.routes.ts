import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import type { PluginHealthReport } from '../../plugins/plugin-supervisor.js';
import { errorResponses, json } from '../shared/views.js';

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
  tags: ['plugins'],
  summary: 'Installed plugin instances with their health',
  middleware: [requireScope('read')],
  responses: { 200: json(z.object({ items: z.array(PluginSchema), nextCursor: z.null() }), 'Plugins'), ...errorResponses },
});

export const pluginRoutes = (deps: { pluginHealth(): Promise<PluginHealthReport[]> }) =>
  createRouter().openapi(listRoute, async (c) => c.json({ items: await deps.pluginHealth(), nextCursor: null }, 200));
