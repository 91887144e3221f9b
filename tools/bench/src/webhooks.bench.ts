import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DEFAULT_WEBHOOK_SETTINGS, DeliverWebhooks, ManageWebhooks, newId, sendWebhook, silentLogger, systemClock, type OutboxEvent } from '@switchboard/core';
import { NodeHttpWebhookTransport } from '@switchboard/hub';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';

// Outbound webhooks on PostgreSQL: one subscription drains BENCH_WEBHOOK_EVENTS events from the
// event log to a loopback receiver that answers 200 at once (sign, POST, record the attempt and
// move the cursor under the subscription's lock, one event at a time: the ordered path), against
// the raw baseline: the same signed POSTs through the same transport, with no database.
// Per-event time is the gap between two arrivals at the receiver; CPU is this process's.
// Usage: npm run bench -- webhooks   (env: BENCH_WEBHOOK_EVENTS=2000)

const EVENTS = intFromEnv('BENCH_WEBHOOK_EVENTS', 2000);

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const gaps = (arrivals: readonly number[]) => {
  const sorted = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t)).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

const measure = async (work: () => Promise<void>) => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: EVENTS / seconds, cpuUsPerEvent: (used.user + used.system) / EVENTS };
};

export const runWebhooksBench = async (): Promise<void> => {
  const arrivals: number[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no receiver port');
  const url = `http://127.0.0.1:${address.port}/bench`;
  const db = await createTestDatabase();
  const store = createPostgresStore({ url: db.url });
  const transport = new NodeHttpWebhookTransport();
  const settings = { ...DEFAULT_WEBHOOK_SETTINGS, allowPrivateNetworks: true };
  const jobs = { enqueue: async () => {} };
  try {
    await store.migrate();
    const manage = new ManageWebhooks(store, systemClock, transport, settings, jobs);
    const { webhook, secret } = await manage.create({ url, types: ['*'] });
    const now = new Date();
    for (let i = 0; i < EVENTS; i += 500) {
      const batch: OutboxEvent[] = Array.from({ length: Math.min(500, EVENTS - i) }, () => ({
        id: newId(),
        event: { type: 'conversation.queued', conversationId: newId(), queueId: newId() },
        createdAt: now,
        dispatchedAt: null,
      }));
      await store.transaction((s) => s.eventLog.append(batch, now));
    }
    const events = await store.read((s) => s.eventLog.after(0, null, EVENTS));

    // Warm both paths (connections, JIT) on a few requests first.
    for (const e of events.slice(0, 20)) await sendWebhook({ transport, clock: systemClock, settings }, { url, secret, previousSecret: null, previousSecretUntil: null }, { id: e.id, seq: e.seq, type: e.type, timestamp: e.recordedAt, data: {} });

    arrivals.length = 0;
    const raw = await measure(async () => {
      for (const e of events) {
        await sendWebhook({ transport, clock: systemClock, settings }, { url, secret, previousSecret: null, previousSecretUntil: null }, { id: e.id, seq: e.seq, type: e.type, timestamp: e.recordedAt, data: { ...e.event } });
      }
    });
    const rawGaps = gaps(arrivals);

    arrivals.length = 0;
    const deliver = new DeliverWebhooks(store, systemClock, transport, settings, jobs, silentLogger);
    const hub = await measure(() => deliver.run(webhook.id));
    const hubGaps = gaps(arrivals);
    if (arrivals.length !== EVENTS) throw new Error(`the hub delivered ${arrivals.length} of ${EVENTS} events`);
    const shown = await manage.get(webhook.id);
    if (shown.cursor !== events.at(-1)?.seq) throw new Error('the cursor did not reach the last event');

    const f = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
    console.log(`webhooks: ${EVENTS} events, one subscription on PostgreSQL, loopback receiver (measured on this machine, under whatever load it has)`);
    console.log(`  raw signed POST        ${f(raw.perSecond)}/s   gap p50 ${f(rawGaps.p50)} ms  p99 ${f(rawGaps.p99)} ms   CPU ${f(raw.cpuUsPerEvent)} µs/event`);
    console.log(`  hub delivery (ordered) ${f(hub.perSecond)}/s   gap p50 ${f(hubGaps.p50)} ms  p99 ${f(hubGaps.p99)} ms   CPU ${f(hub.cpuUsPerEvent)} µs/event`);
    console.log(`  ratio hub/raw: throughput ${(hub.perSecond / raw.perSecond).toFixed(2)}×, CPU per event ${(hub.cpuUsPerEvent / raw.cpuUsPerEvent).toFixed(2)}×`);
  } finally {
    transport.close();
    await store.close();
    await db.drop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};
