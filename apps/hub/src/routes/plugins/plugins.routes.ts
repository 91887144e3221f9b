import { createRoute, z } from '@hono/zod-openapi';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { notFound } from '@switchboard/core';
import type { PluginHealthReport, PluginTestResult } from '../../plugins/plugin-supervisor.js';
import { HealthSchema, healthJson } from '../shared/health.schemas.js';
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
    health: HealthSchema,
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

export const pluginRoutes = (deps: { pluginHealth(): Promise<PluginHealthReport[]>; testPlugin(id: string): Promise<PluginTestResult | undefined> }) =>
  createRouter()
    .openapi(listRoute, async (c) => c.json({ items: (await deps.pluginHealth()).map((p) => ({ ...p, health: healthJson(p.health) })), nextCursor: null }, 200))
    .openapi(testRoute, async (c) => {
      const { id } = c.req.valid('param');
      const result = await deps.testPlugin(id);
      if (result === undefined) throw notFound('PLUGIN.NOT_FOUND', `no plugin instance '${id}' is configured`);
      return c.json({ ...result, health: healthJson(result.health) }, 200);
    });
