import { createRoute, z } from '@hono/zod-openapi';
import { SCOPES, type ApiKey, type ManageApiKeys } from '@switchboard/core';
import { requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { IdParam, PageQuery, errorResponses, json, pageOf } from '../shared/views.js';

const tags = ['api-keys'];
const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    agentId: z.string().nullable().openapi({ description: 'The agent the key is bound to: it then acts only as that agent' }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');
const keyJson = (k: ApiKey) => ({ id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, agentId: k.agentId, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null });

const CreateApiKeySchema = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1),
    agentId: z.string().uuid().optional().openapi({ description: 'Bind the key to this agent (it must exist); not with the admin scope' }),
  })
  .strict()
  .openapi('ApiKeyInput');

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listApiKeys', tags, summary: 'API keys, newest first (never their secrets)', middleware: [requireScope('admin')], request: { query: PageQuery },
  responses: { 200: json(pageOf(ApiKeySchema), 'One page of keys'), ...errorResponses },
});
const createKeyRoute = createRoute({
  method: 'post', path: '/', operationId: 'createApiKey', tags, summary: 'Create an API key; its secret is shown once', middleware: [requireScope('admin')],
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeySchema } } } },
  responses: { 201: json(ApiKeySchema.extend({ key: z.string() }), 'The key, with its secret'), ...errorResponses },
});
const revokeRoute = createRoute({
  method: 'post', path: '/{id}/revoke', operationId: 'revokeApiKey', tags, summary: 'Revoke an API key (stops working within 5 s)', middleware: [requireScope('admin')],
  request: { params: IdParam },
  responses: { 200: json(ApiKeySchema, 'The revoked key'), ...errorResponses },
});

export const apiKeyRoutes = (deps: { apiKeys: ManageApiKeys }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const page = await deps.apiKeys.list(c.req.valid('query'));
      return c.json({ items: page.items.map(keyJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createKeyRoute, async (c) => {
      const { apiKey, secret } = await deps.apiKeys.create(c.req.valid('json'));
      return c.json({ ...keyJson(apiKey), key: secret }, 201);
    })
    .openapi(revokeRoute, async (c) => c.json(keyJson(await deps.apiKeys.revoke(c.req.valid('param').id)), 200));
