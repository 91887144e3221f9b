import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../observability/metrics.js';
import { healthRoutes, type Readiness } from '../health.routes.js';

const ready: Readiness = { ok: true, checks: { store: { status: 'up' }, queue: { status: 'up' } } };

describe('healthRoutes', () => {
  it('GET /healthz answers 200 {status: ok}', async () => {
    const response = await healthRoutes({ readiness: async () => ready, metrics: createMetrics() }).request('/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with the checks when ready', async () => {
    const response = await healthRoutes({ readiness: async () => ready, metrics: createMetrics() }).request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: ready.checks });
  });

  it('GET /readyz answers 503 with the checks when not ready', async () => {
    const checks = { store: { status: 'up' as const }, queue: { status: 'down' as const, detail: 'ECONNREFUSED' } };
    const response = await healthRoutes({ readiness: async () => ({ ok: false, checks }), metrics: createMetrics() }).request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', checks });
  });

  it('GET /readyz answers 503 when the readiness check itself throws', async () => {
    const response = await healthRoutes({
      readiness: () => Promise.reject(new Error('secret internals')),
      metrics: createMetrics(),
    }).request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('secret internals');
  });

  it('GET /metrics answers Prometheus text without a key when none is configured', async () => {
    const metrics = createMetrics();
    metrics.inboundCounter.inc({ channel: 'webhook', duplicate: 'true' });
    const response = await healthRoutes({ readiness: async () => ready, metrics }).request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(await response.text()).toContain('switchboard_inbound_total{channel="webhook",duplicate="true"} 1');
  });

  it('GET /metrics requires the bearer metrics key when configured', async () => {
    const app = healthRoutes({ readiness: async () => ready, metrics: createMetrics(), metricsKey: 'scrape-key' });
    const missing = await app.request('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await app.request('/metrics', { headers: { authorization: 'Bearer scrape-key' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('switchboard_http_request_duration_seconds');
  });

  it('describes its routes for the OpenAPI document', () => {
    const document = healthRoutes({ readiness: async () => ready, metrics: createMetrics() }).getOpenAPIDocument({
      openapi: '3.0.0',
      info: { title: 'hub', version: '1' },
    });
    expect(Object.keys(document.paths).sort()).toEqual(['/healthz', '/metrics', '/readyz']);
  });
});
