import { createRoute, z } from '@hono/zod-openapi';
import type { ManageWebhooks } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { optionalJson } from '../../http/optional-json.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, errorResponses, json, pageOf, withoutUndefined } from '../shared/views.js';
import { CreateWebhookSchema, PingSchema, UpdateWebhookSchema, WebhookAttemptSchema, WebhookSchema, attemptJson, webhookJson } from './webhooks.schemas.js';

const tags = ['webhooks'];
const admin = [requireScope('admin')];
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listWebhooks', tags, summary: 'Webhook subscriptions, oldest first (never their secrets)', middleware: admin, request: { query: PageQuery },
  responses: { 200: json(pageOf(WebhookSchema), 'One page of subscriptions'), ...errorResponses },
});
const createWebhookRoute = createRoute({
  method: 'post', path: '/', operationId: 'createWebhook', tags, middleware: admin, request: body(CreateWebhookSchema),
  summary: 'Subscribe a URL to domain events; the signing secret is shown once',
  description: 'Deliveries start with the events committed from now on, in order, at least once, signed per Standard Webhooks with the `secret` answered here (and never again).',
  responses: { 201: json(WebhookSchema.extend({ secret: z.string().openapi({ description: 'whsec_… (Standard Webhooks); shown only in this answer' }) }), 'The subscription, with its secret'), ...errorResponses },
});
const getRoute = createRoute({
  method: 'get', path: '/{id}', operationId: 'getWebhook', tags, summary: 'A subscription: status, failures, last delivery', middleware: admin, request: { params: IdParam },
  responses: { 200: json(WebhookSchema, 'The subscription'), ...errorResponses },
});
const patchRoute = createRoute({
  method: 'patch', path: '/{id}', operationId: 'updateWebhook', tags, summary: 'Change the URL or types, enable or disable', middleware: admin,
  request: { params: IdParam, ...body(UpdateWebhookSchema) },
  responses: { 200: json(WebhookSchema, 'The changed subscription'), ...errorResponses },
});
const deleteRoute = createRoute({
  method: 'delete', path: '/{id}', operationId: 'deleteWebhook', tags, summary: 'Delete a subscription and its delivery attempts', middleware: admin, request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, ...errorResponses },
});
const attemptsRoute = createRoute({
  method: 'get', path: '/{id}/deliveries', operationId: 'listWebhookDeliveries', tags, summary: 'Delivery attempts, newest first (kept 7 days)', middleware: admin,
  request: { params: IdParam, query: PageQuery },
  responses: { 200: json(pageOf(WebhookAttemptSchema), 'One page of attempts'), ...errorResponses },
});
const testRoute = createRoute({
  method: 'post', path: '/{id}/test', operationId: 'testWebhook', tags, middleware: admin, request: { params: IdParam },
  summary: 'Send a signed `webhook.ping` now and answer what the receiver said',
  description: 'Recorded among the deliveries; the subscription\'s cursor, failures and status do not change.',
  responses: { 200: json(PingSchema, 'What the receiver answered'), ...errorResponses },
});

const RotateSchema = z.object({ graceSeconds: z.number().int().min(0).max(2_592_000).optional() }).strict();
const rotateRoute = createRoute({
  method: 'post', path: '/{id}/rotate-secret', operationId: 'rotateWebhookSecret', tags, middleware: admin, request: { params: IdParam },
  summary: 'A new signing secret, shown once; the old one keeps signing beside it for a grace period',
  description:
    'Body (optional): `{ graceSeconds }`, default 86400 (a day), 0 to drop the old secret at once. Until then each delivery carries two signatures ' +
    '(`v1,<new> v1,<old>`), so a receiver verifies with either secret while it switches.',
  responses: { 200: json(WebhookSchema.extend({ secret: z.string() }), 'The subscription, with its new secret'), ...errorResponses },
});

const ReplaySchema = z
  .object({
    afterSeq: z.number().int().min(0).optional().openapi({ description: 'Send again every event after this sequence number (0: all the log still keeps)' }),
    since: z.string().datetime({ offset: true }).optional().openapi({ description: 'Or: send again every event recorded at or after this time (ISO 8601)', example: '2026-12-01T14:05:00Z' }),
  })
  .strict()
  .refine((r) => (r.afterSeq === undefined) !== (r.since === undefined), { message: 'name either afterSeq or since' })
  .openapi('WebhookReplay');
const replayRoute = createRoute({
  method: 'post', path: '/{id}/replay', operationId: 'replayWebhook', tags, middleware: admin, request: { params: IdParam, ...body(ReplaySchema) },
  summary: 'Send the events after a sequence number again, in order (a receiver that lost data)',
  description: 'The cursor moves back to `afterSeq`; a delivery in progress finishes its attempt in flight, then starts over from there. The log keeps 7 days.',
  responses: { 202: json(WebhookSchema, 'The subscription, with its cursor moved back'), ...errorResponses },
});

export const webhookRoutes = (deps: { webhooks: ManageWebhooks }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.webhooks.list(c.req.valid('query'));
      return c.json({ items: page.items.map(webhookJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createWebhookRoute, async (c) => {
      const { webhook, secret } = await deps.webhooks.create(c.req.valid('json'));
      return c.json({ ...webhookJson(webhook), secret }, 201);
    })
    .openapi(getRoute, async (c) => c.json(webhookJson(await deps.webhooks.get(c.req.valid('param').id)), 200))
    .openapi(patchRoute, async (c) => c.json(webhookJson(await deps.webhooks.update(c.req.valid('param').id, withoutUndefined(c.req.valid('json')))), 200))
    .openapi(deleteRoute, async (c) => {
      await deps.webhooks.delete(c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(attemptsRoute, async (c) => {
      const page = await deps.webhooks.attempts(c.req.valid('param').id, c.req.valid('query'));
      return c.json({ items: page.items.map(attemptJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(testRoute, async (c) => c.json(await deps.webhooks.ping(c.req.valid('param').id), 200))
    .openapi(replayRoute, async (c) => {
      const { afterSeq, since } = c.req.valid('json');
      return c.json(webhookJson(await deps.webhooks.replay(c.req.valid('param').id, since === undefined ? afterSeq! : { since: new Date(since) })), 202);
    })
    .openapi(rotateRoute, async (c) => {
      const { graceSeconds } = await optionalJson(c, RotateSchema);
      const { webhook, secret } = await deps.webhooks.rotateSecret(c.req.valid('param').id, graceSeconds);
      return c.json({ ...webhookJson(webhook), secret }, 200);
    });
