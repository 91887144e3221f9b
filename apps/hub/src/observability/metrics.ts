import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobQueueCounts } from '@switchboard/core';

export type QueueCountsProvider = () => Promise<JobQueueCounts>;

export interface Metrics {
  registry: Registry;
  /** Times every request by method, matched route pattern and status. */
  httpMiddleware: MiddlewareHandler;
  inboundCounter: Counter<'channel' | 'duplicate'>;
  deliveryCounter: Counter<'channel' | 'status'>;
  /** Webhook delivery attempts by outcome (`delivered`, `failed`, `disabled`). */
  webhookCounter: Counter<'outcome'>;
  /** Messages per ingest transaction (group commit). */
  ingestBatchSize: Histogram;
  setQueueCountsProvider(provider: QueueCountsProvider): void;
}

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** A fresh registry per hub (never prom-client's global one), so tests and several hubs can coexist. */
export const createMetrics = (): Metrics => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inboundCounter = new Counter({
    name: 'switchboard_inbound_total',
    help: 'Inbound messages by channel, and whether they were duplicates',
    labelNames: ['channel', 'duplicate'] as const,
    registers: [registry],
  });
  const deliveryCounter = new Counter({
    name: 'switchboard_deliveries_total',
    help: 'Outbound delivery attempts by channel and outcome',
    labelNames: ['channel', 'status'] as const,
    registers: [registry],
  });
  const webhookCounter = new Counter({
    name: 'switchboard_webhook_deliveries_total',
    help: 'Outbound webhook delivery attempts by outcome (disabled: the failure that disabled the subscription)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  const ingestBatchSize = new Histogram({
    name: 'switchboard_ingest_batch_size',
    help: 'Inbound messages recorded per database transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });

  let provider: QueueCountsProvider | undefined;
  new Gauge({
    name: 'switchboard_jobs',
    help: 'Jobs in the job queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (provider === undefined) return;
      try {
        const counts = await provider();
        for (const state of JOB_STATES) this.set({ state }, counts[state]);
      } catch {
        // A queue that cannot answer must not break the whole scrape; its health shows in /readyz.
        this.reset();
      }
    },
  });

  const httpMiddleware: MiddlewareHandler = async (c, next) => {
    const end = httpDuration.startTimer();
    try {
      await next();
    } finally {
      // The route pattern, not the raw path, keeps label cardinality bounded.
      const pattern = routePath(c);
      const route = c.res.status === 404 && (pattern === '' || pattern.endsWith('*')) ? 'unmatched' : pattern || 'unmatched';
      end({ method: c.req.method, route, status: String(c.res.status) });
    }
  };

  return {
    registry,
    ingestBatchSize,
    httpMiddleware,
    inboundCounter,
    deliveryCounter,
    webhookCounter,
    setQueueCountsProvider: (next) => {
      provider = next;
    },
  };
};
