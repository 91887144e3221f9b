import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.js';

describe('createMetrics', () => {
  it('gives each hub its own registry with process metrics', async () => {
    const first = createMetrics();
    const second = createMetrics();
    expect(first.registry).not.toBe(second.registry);
    first.inboundCounter.inc({ channel: 'email', duplicate: 'false' });
    const text = await first.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('switchboard_inbound_total{channel="email",duplicate="false"} 1');
    expect(await second.registry.metrics()).not.toContain('switchboard_inbound_total{');
  });

  it('counts deliveries by channel and status', async () => {
    const metrics = createMetrics();
    metrics.deliveryCounter.inc({ channel: 'webhook', status: 'delivered' });
    metrics.deliveryCounter.inc({ channel: 'webhook', status: 'delivered' });
    metrics.deliveryCounter.inc({ channel: 'email', status: 'dead' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchboard_deliveries_total{channel="webhook",status="delivered"} 2');
    expect(text).toContain('switchboard_deliveries_total{channel="email",status="dead"} 1');
  });

  it('reports job queue counts from the provider at scrape time', async () => {
    const metrics = createMetrics();
    expect(await metrics.registry.metrics()).not.toContain('switchboard_jobs{');
    let waiting = 4;
    metrics.setQueueCountsProvider(async () => ({ waiting, active: 1, delayed: 2, failed: 0 }));
    expect(await metrics.registry.metrics()).toContain('switchboard_jobs{state="waiting"} 4');
    waiting = 7;
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchboard_jobs{state="waiting"} 7');
    expect(text).toContain('switchboard_jobs{state="delayed"} 2');
  });

  it('keeps scraping when the queue cannot answer', async () => {
    const metrics = createMetrics();
    metrics.setQueueCountsProvider(() => Promise.reject(new Error('redis down')));
    await expect(metrics.registry.metrics()).resolves.toContain('switchboard_inbound_total');
  });

  it('times HTTP requests by method, route pattern and status', async () => {
    const metrics = createMetrics();
    const app = new Hono();
    app.use('*', metrics.httpMiddleware);
    app.get('/v1/customers/:id', (c) => c.json({ id: c.req.param('id') }));
    await app.request('/v1/customers/123');
    await app.request('/v1/customers/456');
    await app.request('/nowhere');
    const text = await metrics.registry.metrics();
    expect(text).toContain('switchboard_http_request_duration_seconds_count{method="GET",route="/v1/customers/:id",status="200"} 2');
    expect(text).toContain('switchboard_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toContain('/v1/customers/123');
  });
});
