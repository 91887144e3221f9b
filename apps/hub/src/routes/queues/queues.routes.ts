import { createRoute, z } from '@hono/zod-openapi';
import { ROUTING_STRATEGIES, type ManageRouting, type RoutingQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, QueueSchema, SkillsSchema, errorResponses, json, pageOf, queueJson, withoutUndefined } from '../shared/views.js';

const tags = ['queues'];

export const QueueInputSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, . _ -'),
    skills: SkillsSchema.optional(),
    strategy: z.enum(ROUTING_STRATEGIES).optional(),
    sticky: z.object({ windowSeconds: z.number().int().min(1).max(90 * 86400) }).nullable().optional(),
    cost: z.union([z.number().int().min(0).max(10_000), z.record(z.string().min(1).max(64), z.number().int().min(0).max(10_000))]).optional(),
    offerTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
    sla: z.object({ firstResponseSeconds: z.number().int().min(1).optional(), resolutionSeconds: z.number().int().min(1).optional() }).nullable().optional(),
    overflow: z.object({ afterSeconds: z.number().int().min(1), queueId: z.string().uuid() }).nullable().optional(),
    aging: z
      .object({ everySeconds: z.number().int().min(1).max(86_400), maxBoost: z.number().int().min(1).max(100) })
      .strict()
      .nullable()
      .optional()
      .openapi({ description: 'Waiting raises the effective priority by one every everySeconds, by at most maxBoost' }),
    businessHours: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .strict()
  .openapi('QueueInput');

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listQueues', tags, summary: 'List queues, by name', middleware: [requireScope('read')], request: { query: PageQuery },
  responses: { 200: json(pageOf(QueueSchema), 'One page of queues'), ...errorResponses },
});
const createQueueRoute = createRoute({
  method: 'post', path: '/', operationId: 'createQueue', tags, summary: 'Create a queue', middleware: [requireScope('admin')],
  request: { body: { required: true, content: { 'application/json': { schema: QueueInputSchema } } } },
  responses: { 201: json(QueueSchema, 'The queue'), ...errorResponses },
});
const getRoute = createRoute({ method: 'get', path: '/{id}', operationId: 'getQueue', tags, summary: 'A queue', middleware: [requireScope('read')], request: { params: IdParam }, responses: { 200: json(QueueSchema, 'The queue'), ...errorResponses } });
const patchRoute = createRoute({
  method: 'patch', path: '/{id}', operationId: 'updateQueue', tags, summary: 'Change a queue', middleware: [requireScope('admin')],
  request: { params: IdParam, body: { required: true, content: { 'application/json': { schema: QueueInputSchema.partial() } } } },
  responses: { 200: json(QueueSchema, 'The queue'), ...errorResponses },
});
const deleteRoute = createRoute({ method: 'delete', path: '/{id}', operationId: 'deleteQueue', tags, summary: 'Delete an empty queue', middleware: [requireScope('admin')], request: { params: IdParam }, responses: { 204: { description: 'Deleted' }, ...errorResponses } });
const statsRoute = createRoute({
  method: 'get', path: '/{id}/stats', operationId: 'getQueueStats', tags, summary: 'Waiting, offered and assigned counts, oldest wait', middleware: [requireScope('read')], request: { params: IdParam },
  responses: { 200: json(z.object({ queueId: z.string(), waiting: z.number(), offered: z.number(), assigned: z.number(), oldestWaitSeconds: z.number().nullable() }), 'Stats'), ...errorResponses },
});


export const queueRoutes = (deps: { routingReads: RoutingQueries; routing: ManageRouting }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.routingReads.queues(c.req.valid('query'));
      return c.json({ items: page.items.map(queueJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createQueueRoute, async (c) => c.json(queueJson(await deps.routing.createQueue(withoutUndefined(c.req.valid('json')))), 201))
    .openapi(getRoute, async (c) => c.json(queueJson(await deps.routingReads.queue(c.req.valid('param').id)), 200))
    .openapi(patchRoute, async (c) => c.json(queueJson(await deps.routing.updateQueue(c.req.valid('param').id, withoutUndefined(c.req.valid('json')))), 200))
    .openapi(deleteRoute, async (c) => {
      await deps.routing.deleteQueue(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(statsRoute, async (c) => c.json(await deps.routingReads.queueStats(c.req.valid('param').id), 200));
