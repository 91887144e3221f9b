import { createHash, timingSafeEqual } from 'node:crypto';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Health } from '@switchboard/core';
import { problemResponse, titleFor } from '../../http/problem.js';
import type { Metrics } from '../../observability/metrics.js';
import { HealthSchema, healthChecksJson } from '../shared/health.schemas.js';

export interface Readiness {
  ok: boolean;
  checks: Record<string, Health>;
}

export interface HealthRoutesDeps {
  readiness: () => Promise<Readiness>;
  metrics: Pick<Metrics, 'registry'>;
  /** When set, GET /metrics requires `Authorization: Bearer <metricsKey>`. */
  metricsKey?: string;
}

const LiveSchema = z.object({ status: z.literal('ok') }).openapi('Liveness');
const ReadySchema = z
  .object({ status: z.enum(['ready', 'not_ready']), checks: z.record(z.string(), HealthSchema) })
  .openapi('Readiness');
const ProblemSchema = z.object({ type: z.string(), title: z.string(), status: z.number(), detail: z.string() });

const tags = ['health'];

const liveRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  tags,
  security: [],
  summary: 'Liveness: the process answers',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: LiveSchema } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags,
  security: [],
  summary: 'Readiness: store, queue and plugins',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
    503: { description: 'Not ready; the checks say why', content: { 'application/json': { schema: ReadySchema } } },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags,
  // Open unless SWITCHBOARD_METRICS_KEY is set; then the bearer metrics key (not an API key).
  security: [{}, { metricsKey: [] }],
  summary: 'Prometheus metrics (bearer SWITCHBOARD_METRICS_KEY when configured)',
  responses: {
    200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } },
    401: { description: 'Missing or wrong metrics key', content: { 'application/problem+json': { schema: ProblemSchema } } },
  },
});

/**
 * The routes above for the API's OpenAPI document: the composition root serves them beside the
 * API app (also on worker nodes), so that app's registry does not see them by itself.
 */
export const healthRouteDocs = [liveRoute, readyRoute, metricsRoute] as const;

// Compare digests so the comparison takes the same time whatever the key's length.
const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

const NO_STORE = { 'cache-control': 'no-store' };

/** /healthz, /readyz and /metrics: no API key needed (an optional bearer key guards /metrics). */
export const healthRoutes = (deps: HealthRoutesDeps) => {
  const app = new OpenAPIHono();

  app.openapi(liveRoute, (c) => c.json({ status: 'ok' as const }, 200, NO_STORE));

  app.openapi(readyRoute, async (c) => {
    let readiness: Readiness;
    try {
      readiness = await deps.readiness();
    } catch {
      readiness = { ok: false, checks: { readiness: { status: 'down', detail: 'the readiness check failed' } } };
    }
    return readiness.ok
      ? c.json({ status: 'ready' as const, checks: healthChecksJson(readiness.checks) }, 200, NO_STORE)
      : c.json({ status: 'not_ready' as const, checks: healthChecksJson(readiness.checks) }, 503, NO_STORE);
  });

  // Plain text and a problem answer do not fit typed JSON responses: register the docs, route by hand.
  app.openAPIRegistry.registerPath(metricsRoute);
  app.get(metricsRoute.path, async (c) => {
    if (deps.metricsKey !== undefined) {
      const given = /^Bearer[ ]+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
      if (given === undefined || !sameSecret(given, deps.metricsKey)) {
        return problemResponse(
          401,
          { title: titleFor(401), detail: 'GET /metrics needs Authorization: Bearer <metrics key>', code: 'AUTH.METRICS_KEY' },
          { 'www-authenticate': 'Bearer realm="metrics"' },
        );
      }
    }
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType, ...NO_STORE });
  });

  return app;
};
