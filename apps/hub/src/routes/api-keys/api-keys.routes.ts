import { createRoute, z } from '@hono/zod-openapi';
import { SCOPES, newId, type ApiKey, type Clock, type Store } from '@switchboard/core';
import { generateApiKey, requireScope } from '../../http/auth.js';
import { createRouter } from '../../http/openapi-router.js';
import { PageQuery, errorResponses, json, pageOf } from '../shared/views.js';

const tags = ['api-keys'];
const ApiKeySchema = z
  .object({ id: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.enum(SCOPES)), createdAt: z.string(), revokedAt: z.string().nullable() })
  .openapi('ApiKey');
const keyJson = (k: ApiKey) => ({ id: k.id, name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt.toISOString(), revokedAt: k.revokedAt?.toISOString() ?? null });

const listRoute = createRoute({
  method: 'get', path: '/', operationId: 'listApiKeys', tags, summary: 'API keys, newest first (never their secrets)', middleware: [requireScope('admin')], request: { query: PageQuery },
  responses: { 200: json(pageOf(ApiKeySchema), 'One page of keys'), ...errorResponses },
});
const createKeyRoute = createRoute({
  method: 'post', path: '/', operationId: 'createApiKey', tags, summary: 'Create an API key; its secret is shown once', middleware: [requireScope('admin')],
  request: { body: { required: true, content: { 'application/json': { schema: z.object({ name: z.string().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) }).strict() } } } },
  responses: { 201: json(ApiKeySchema.extend({ key: z.string() }), 'The key, with its secret'), ...errorResponses },
});

export const apiKeyRoutes = (deps: { store: Store; clock: Clock }) =>
  createRouter()
    .openapi(listRoute, async (c) => {
      const query = c.req.valid('query');
      const page = await deps.store.read((s) => s.apiKeys.list(query));
      return c.json({ items: page.items.map(keyJson), nextCursor: page.nextCursor }, 200);
    })
    .openapi(createKeyRoute, async (c) => {
      const { name, scopes } = c.req.valid('json');
      const generated = generateApiKey();
      const key: ApiKey = { id: newId(), name, prefix: generated.prefix, hash: generated.hash, scopes: [...new Set(scopes)], createdAt: deps.clock.now(), revokedAt: null };
      await deps.store.transaction((s) => s.apiKeys.insert(key));
      return c.json({ ...keyJson(key), key: generated.key }, 201);
    });
