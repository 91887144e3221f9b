import { createRoute, z } from '@hono/zod-openapi';
import type { DeadLetterView, ManageDeadLetters } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { PageQuery, errorResponses, json, pageOf } from '../shared/views.js';

const tags = ['dead-letters'];
const admin = [requireScope('admin')];

const DeadLetterSchema = z
  .object({
    id: z.string().openapi({ description: 'The job id (URL-encode it in paths: ids may hold `:`)' }),
    name: z.string().openapi({ example: 'delivery.send-outbound' }),
    payload: z.unknown().openapi({ description: 'The job payload, secret-looking fields replaced by "[redacted]"' }),
    attempts: z.number().int(),
    reason: z.string(),
    failedAt: z.string(),
  })
  .openapi('DeadLetter');
const deadLetterJson = (d: DeadLetterView): z.infer<typeof DeadLetterSchema> => ({ id: d.id, name: d.name, payload: d.payload, attempts: d.attempts, reason: d.reason, failedAt: d.failedAt.toISOString() });

const JobIdParam = z.object({ id: z.string().min(1).max(500).openapi({ param: { name: 'id', in: 'path' } }) });
const ListQuery = PageQuery.extend({ name: z.string().max(200).optional().openapi({ description: 'only jobs whose name starts with this, e.g. `desk.` or `webhooks.deliver`', example: 'desk.' }) });

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listDeadLetters', tags, middleware: admin, request: { query: ListQuery },
  summary: 'Jobs that exhausted their attempts, most recent first',
  description: 'Pages follow the most recent first; a job that fails while you page may shift the pages after it by one.',
  responses: { 200: json(pageOf(DeadLetterSchema), 'One page of dead letters'), ...errorResponses },
});
const retryRoute = createRoute({
  method: 'post', path: '/{id}/retry', operationId: 'retryDeadLetter', tags, middleware: admin, request: { params: JobIdParam },
  summary: 'Run a dead-lettered job again, with fresh attempts (recorded as a `job.retried` event)',
  responses: { 202: json(DeadLetterSchema, 'The job, queued again'), ...errorResponses },
});
const discardRoute = createRoute({
  method: 'delete', path: '/{id}', operationId: 'discardDeadLetter', tags, middleware: admin, request: { params: JobIdParam },
  summary: 'Discard a dead-lettered job for good (recorded as a `job.discarded` event)',
  responses: { 200: json(DeadLetterSchema, 'The discarded job'), ...errorResponses },
});

export const deadLetterRoutes = (deps: { deadLetters: ManageDeadLetters }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const { limit, cursor, name } = c.req.valid('query');
      const page = await deps.deadLetters.list({ limit, cursor, name });
      return c.json({ items: page.items.map(deadLetterJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(retryRoute, async (c) => c.json(deadLetterJson(await deps.deadLetters.retry(c.req.valid('param').id, c.var.principal.keyId)), 202))
    .openapi(discardRoute, async (c) => c.json(deadLetterJson(await deps.deadLetters.discard(c.req.valid('param').id, c.var.principal.keyId)), 200));
