import type { PluginHttpRoute } from '@switchboard/core';
import { Hono } from 'hono';
import { bodyTooLargeProblem, problemResponse } from '../../http/problem.js';

const DEFAULT_LIMIT = 1024 * 1024;

/**
 * Mounts the HTTP endpoints plugins serve at `/plugins/{instanceId}{path}`. They carry no API key:
 * each plugin authenticates its own callers (provider signatures), so the raw body is passed on.
 */
export const pluginHttpRoutes = (routesByInstance: ReadonlyMap<string, readonly PluginHttpRoute[]>) =>
  new Hono().all('/:instanceId/*', async (c) => {
    const instanceId = c.req.param('instanceId');
    const path = c.req.path.slice(`/plugins/${instanceId}`.length) || '/';
    const route = routesByInstance.get(instanceId)?.find((r) => r.method === c.req.method && r.path === path);
    if (!route) return problemResponse(404, { title: 'Not Found', detail: `no plugin endpoint ${c.req.method} /plugins/${instanceId}${path}`, code: 'ROUTE_NOT_FOUND' });
    const limit = route.bodyLimit ?? DEFAULT_LIMIT;
    if (Number(c.req.header('content-length') ?? 0) > limit) return bodyTooLargeProblem(limit);
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    if (rawBody.byteLength > limit) return bodyTooLargeProblem(limit);
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
