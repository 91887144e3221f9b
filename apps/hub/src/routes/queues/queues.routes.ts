import { createRoute, z } from '@hono/zod-openapi';
import { parseBusinessHours, ROUTING_STRATEGIES, type BusinessHours, type ManageRouting, type RoutingQueries, type SlaQueries } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, QueueSchema, RelaxationStepSchema, SkillsSchema, errorResponses, json, pageOf, queueJson, withoutUndefined } from '../shared/views.js';

const tags = ['queues'];

export const QueueInputSchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, space, . _ -'),
    skills: SkillsSchema.optional(),
    optionalSkills: SkillsSchema.optional().openapi({ description: 'skills required too, until a relaxation step with dropOptionalSkills' }),
    relaxation: z.array(RelaxationStepSchema).max(10).nullable().optional(),
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
    // Checked by the core (parseBusinessHours), whose errors name the field: businessHours.weekly.mon[0].end.
    businessHours: z.record(z.string(), z.unknown()).nullable().optional().openapi({ description: 'BusinessHours: {timeZone, weekly: {mon: [{start, end}], …}, holidays?: [{date, open?}]}' }),
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
// `?window=`: seconds (`3600`) or an ISO 8601 duration of days, hours, minutes, seconds (`PT1H`, `P7D`); default one day.
const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const MAX_WINDOW_SECONDS = 366 * 86_400;
const windowSeconds = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined) return 86_400;
    let seconds = Number.NaN;
    if (/^\d+$/.test(raw)) seconds = Number(raw);
    const match = DURATION.exec(raw);
    if (match && raw !== 'P' && !raw.endsWith('T')) {
      const [, d, h, m, s] = match.map((part) => Number(part ?? 0));
      seconds = (d ?? 0) * 86_400 + (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
    }
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
      ctx.addIssue({ code: 'custom', message: 'seconds or an ISO 8601 duration (PT1H, P7D), from 1 s to 366 days' });
      return z.NEVER;
    }
    return seconds;
  })
  .openapi({ type: 'string', example: 'PT1H', description: 'Window for activity and SLA attainment: seconds or an ISO 8601 duration (days, hours, minutes, seconds); default P1D' });
const Counts = z.object({ met: z.number().int(), breached: z.number().int(), attainment: z.number().nullable().openapi({ description: 'met / (met + breached); null when nothing was decided' }) });
const QueueStatsSchema = z
  .object({
    queueId: z.string(),
    waiting: z.number().int(),
    offered: z.number().int().openapi({ description: 'items with a pending offer now' }),
    assigned: z.number().int().openapi({ description: 'active assignments now' }),
    oldestWaitSeconds: z.number().nullable(),
    window: z.object({ seconds: z.number().int(), since: z.string() }),
    activity: z.object({ offered: z.number().int(), assigned: z.number().int(), abandoned: z.number().int() }).openapi({ description: 'within the window: offers made, assignments begun, conversations resolved without ever being assigned' }),
    sla: z.object({ first_response: Counts, resolution: Counts }).openapi({ description: 'SLA verdicts decided within the window, per target' }),
  })
  .openapi('QueueStats');
const statsRoute = createRoute({
  method: 'get', path: '/{id}/stats', operationId: 'getQueueStats', tags, summary: 'Waiting, offered and assigned now, oldest wait; activity and SLA attainment over a window', middleware: [requireScope('read')],
  request: { params: IdParam, query: z.object({ window: windowSeconds }) },
  responses: { 200: json(QueueStatsSchema, 'Stats'), ...errorResponses },
});


type QueueBody = z.infer<typeof QueueInputSchema>;
// The business hours as the core types them; parseBusinessHours answers a 422 naming the field at fault.
const typedHours = <T extends Partial<QueueBody>>(body: T): Omit<T, 'businessHours'> & { businessHours?: BusinessHours | null } => {
  const { businessHours, ...rest } = body;
  return businessHours === undefined ? rest : { ...rest, businessHours: businessHours === null ? null : parseBusinessHours(businessHours) };
};

export const queueRoutes = (deps: { routingReads: RoutingQueries; routing: ManageRouting; sla: SlaQueries }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.routingReads.queues(c.req.valid('query'));
      return c.json({ items: page.items.map(queueJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createQueueRoute, async (c) => c.json(queueJson(await deps.routing.createQueue(typedHours(withoutUndefined(c.req.valid('json'))))), 201))
    .openapi(getRoute, async (c) => c.json(queueJson(await deps.routingReads.queue(c.req.valid('param').id)), 200))
    .openapi(patchRoute, async (c) => c.json(queueJson(await deps.routing.updateQueue(c.req.valid('param').id, typedHours(withoutUndefined(c.req.valid('json'))))), 200))
    .openapi(deleteRoute, async (c) => {
      await deps.routing.deleteQueue(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(statsRoute, async (c) => {
      const stats = await deps.sla.queueStats(c.req.valid('param').id, c.req.valid('query').window);
      return c.json({ ...stats, window: { seconds: stats.window.seconds, since: stats.window.since.toISOString() } }, 200);
    });
