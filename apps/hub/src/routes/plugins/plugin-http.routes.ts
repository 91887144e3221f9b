import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PluginHttpRoute } from '@switchboard/core';
import type { HubEnv } from '../../http/hub-env.js';
import { problemResponse } from '../../http/problem.js';
import { hasBody, readLimitedBody } from '../../http/request-body.js';
import { ProblemSchema } from '../shared/views.js';

const DEFAULT_LIMIT = 1024 * 1024;

const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');

const OPENAPI_METHOD = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const;

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ProblemSchema } } });

// A plugin route declares no schemas: the document says where it is and what the hub itself answers.
const routeDoc = (instanceId: string, route: PluginHttpRoute) =>
  createRoute({
    method: OPENAPI_METHOD[route.method],
    path: `/${instanceId}${route.path}`,
    operationId: `plugin${pascal(instanceId)}${pascal(OPENAPI_METHOD[route.method])}${pascal(route.path)}`,
    tags: ['plugin endpoints'],
    security: [],
    summary: route.summary ?? `${route.method} ${route.path} of plugin instance ${instanceId}`,
    description: route.description ?? 'Served by the plugin, which authenticates its own callers (provider signatures); the raw body is passed on.',
    ...(route.method === 'GET' || route.method === 'DELETE'
      ? {}
      : { request: { body: { required: false, content: { '*/*': { schema: z.string().openapi({ format: 'binary' }) } } } } }),
    responses: {
      '2XX': { description: "The plugin's answer", content: { '*/*': { schema: z.string().openapi({ format: 'binary' }) } } },
      404: problem('No such endpoint, or the plugin disabled it'),
      413: problem(`The body is over ${route.bodyLimit ?? DEFAULT_LIMIT} bytes`),
      '4XX': problem('Refused by the plugin: signature, malformed or invalid body'),
    },
  });

/**
 * Mounts the HTTP endpoints plugins serve at `/plugins/{instanceId}{path}`. They carry no API key:
 * each plugin authenticates its own callers (provider signatures), so the raw body is passed on.
 */
export const pluginHttpRoutes = (routesByInstance: ReadonlyMap<string, readonly PluginHttpRoute[]>) => {
  const app = new OpenAPIHono<HubEnv>();
  for (const [instanceId, routes] of routesByInstance) for (const route of routes) app.openAPIRegistry.registerPath(routeDoc(instanceId, route));
  return app.all('/:instanceId/*', async (c) => {
    const instanceId = c.req.param('instanceId');
    const path = c.req.path.slice(`/plugins/${instanceId}`.length) || '/';
    const route = routesByInstance.get(instanceId)?.find((r) => r.method === c.req.method && r.path === path);
    if (!route) return problemResponse(404, { title: 'Not Found', detail: `no plugin endpoint ${c.req.method} /plugins/${instanceId}${path}`, code: 'ROUTE_NOT_FOUND' });
    const read = hasBody(c) ? await readLimitedBody(c, route.bodyLimit ?? DEFAULT_LIMIT) : { body: Buffer.alloc(0) };
    if ('refusal' in read) return read.refusal;
    const rawBody = new Uint8Array(read.body);
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const response = await route.handle({ method: c.req.method, path, headers, query: c.req.query(), rawBody });
    const responseHeaders = new Headers(response.headers ?? {});
    if (response.body === undefined) return new Response(null, { status: response.status, headers: responseHeaders });
    if (typeof response.body === 'string') return new Response(response.body, { status: response.status, headers: responseHeaders });
    if (!responseHeaders.has('content-type')) responseHeaders.set('content-type', 'application/json');
    return new Response(JSON.stringify(response.body), { status: response.status, headers: responseHeaders });
  });
};
