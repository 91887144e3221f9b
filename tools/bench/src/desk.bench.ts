import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createTestDatabase, HubStack, mapConcurrent, signSlackRequest, startRedisServer, startSlackFake, waitFor } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';

// The Slack desk on PostgreSQL + Redis (api + worker processes), Web API on a loopback fake:
// 1. offer-to-desk latency: an offer created → the fake receives its DM, with BENCH_DESK_AGENTS agents
//    (default 200); baseline: a chat.postMessage sent straight to the fake from here.
// 2. signed Slack events at BENCH_DESK_RATE/s (default 200) for BENCH_DESK_SECONDS (default 10):
//    ack latency and events handled per second (App Home views published); baseline: a bare
//    node:http server that verifies the same signature and answers 200.
// Usage: npm run bench -- desk

const AGENTS = intFromEnv('BENCH_DESK_AGENTS', 200);
const OFFERS = intFromEnv('BENCH_DESK_OFFERS', 200);
const RATE = intFromEnv('BENCH_DESK_RATE', 200);
const SECONDS = intFromEnv('BENCH_DESK_SECONDS', 10);
const SECRET = 'bench-slack-signing-secret';

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Sends `total` signed POSTs at `rate`/s to `url`; answers each one's latency (and the failures). */
const paced = async (url: string, total: number, rate: number, body: (i: number) => string) => {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const text = body(i);
    inFlight.push(
      (async () => {
        const t0 = performance.now();
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signSlackRequest(SECRET, text) }, body: text }).catch(() => null);
        await response?.arrayBuffer();
        if (response?.status === 200) latencies.push(performance.now() - t0);
        else failures += 1;
      })(),
    );
  }
  await Promise.all(inFlight);
  return { latencies, failures, seconds: (performance.now() - started) / 1000 };
};

/** The raw baseline of a signed request: verify the HMAC, answer 200. */
const startBareReceiver = async () => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const expected = `v0=${createHmac('sha256', SECRET).update(`v0:${String(req.headers['x-slack-request-timestamp'])}:${body}`).digest('hex')}`;
      res.writeHead(expected === req.headers['x-slack-signature'] ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

export const runDeskBench = async (): Promise<void> => {
  console.log(`desk: Slack desk, ${AGENTS} agents, ${OFFERS} offers; signed events at ${RATE}/s for ${SECONDS} s`);
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const fake = await startSlackFake();
    cleanup.push(() => fake.close());
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const stack = await HubStack.start({
      databaseUrl: db.url,
      redisUrl: redis.url,
      env: { SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET },
      config: {
        hub: { sweepIntervalMs: 2000, channelQueues: { webhook: 'bench' } },
        plugins: [{ id: 'slack', use: '@switchboard/desk-slack', config: { botToken: { env: 'SLACK_BOT_TOKEN' }, signingSecret: { env: 'SLACK_SIGNING_SECRET' }, slackApiUrl: fake.url } }],
      },
    });
    cleanup.unshift(async () => {
      await stack.stop();
      stack.removeFiles();
    });
    const hub = stack.client;
    const queue = await hub.createQueue({ name: 'bench', offerTimeoutSeconds: 3600 });
    const agents = await mapConcurrent(
      Array.from({ length: AGENTS }, (_, i) => i),
      8,
      async (i) => {
        const agent = await hub.createAgent({ name: `Agent ${i}`, capacity: { units: 10_000 }, desk: { slack: `UB${i}` } });
        await hub.setPresence(agent.id, 'available');
        return agent;
      },
    );

    // 1. Offer → DM. Raw baseline first: the same call straight to the fake.
    const raw: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await fetch(`${fake.url}chat.postMessage`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: JSON.stringify({ channel: 'DRAW', text: 'raw' }) }).then((r) => r.arrayBuffer());
      raw.push(performance.now() - t0);
    }
    const conversations: string[] = [];
    for (let i = 0; i < OFFERS; i++) {
      conversations.push((await hub.inbound({ channel: 'webhook', externalId: `bench-${i}`, from: { kind: 'email', value: `c${i}@example.com` }, text: `message ${i}` })).conversationId);
      // Paced like customers writing in: one offer at a time is what the latency is about.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const offerRows = z.object({ items: z.array(z.object({ id: z.string(), expiresAt: z.string() })) });
    const offers = (await mapConcurrent(agents, 8, async (agent) => (await hub.call(offerRows, 'GET', `/v1/agents/${agent.id}/offers?limit=100`)).items)).flat();
    await waitFor(() => offers.every((o) => fake.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args['blocks'] ?? '').includes(`offer:${o.id}`))), { timeoutMs: 120_000, description: 'every offer DM' });
    const shown = new Map<string, number>();
    for (const call of fake.callsTo('chat.postMessage')) {
      const id = /offer:([0-9a-f-]{36})/.exec(JSON.stringify(call.args['blocks'] ?? ''))?.[1];
      if (id && !shown.has(id)) shown.set(id, call.at);
    }
    // An offer's creation time is its expiry less the queue's timeout (the hub stamps both at once).
    const latency = offers.map((o) => (shown.get(o.id) ?? Number.NaN) - (new Date(o.expiresAt).getTime() - 3600 * 1000));
    const desk = stats(latency);
    const base = stats(raw);
    console.log(`  offer-to-desk  ${desk.n} offers (${conversations.length} conversations) p50 ${ms(desk.p50)} p99 ${ms(desk.p99)}  (target p99 < 100 ms)`);
    console.log(`  raw postMessage              p50 ${ms(base.p50)} p99 ${ms(base.p99)}   ratio p50 ${(desk.p50 / base.p50).toFixed(1)}×, p99 ${(desk.p99 / base.p99).toFixed(1)}×`);

    // 2. Signed events: App Home opened by linked agents (a lookup, a read of their work, views.publish).
    const total = RATE * SECONDS;
    const bare = await startBareReceiver();
    cleanup.push(() => bare.close());
    const event = (i: number) =>
      JSON.stringify({ type: 'event_callback', team_id: 'T0', api_app_id: 'A0', event_id: `EvB${i}-${Date.now()}`, event: { type: 'app_home_opened', user: `UB${i % AGENTS}`, channel: 'D0', tab: 'home', event_ts: '1' } });
    const baseline = await paced(bare.url, total, RATE, event);
    const before = fake.callsTo('views.publish').length;
    const started = performance.now();
    const hubRun = await paced(`${stack.api.baseUrl}/plugins/slack/events`, total, RATE, event);
    await waitFor(() => fake.callsTo('views.publish').length - before >= hubRun.latencies.length, { timeoutMs: 120_000, description: 'every home view' });
    const handledPerSecond = (fake.callsTo('views.publish').length - before) / ((performance.now() - started) / 1000);
    const ack = stats(hubRun.latencies);
    const bareAck = stats(baseline.latencies);
    console.log(`  signed events  ${total} at ${RATE}/s: ack p50 ${ms(ack.p50)} p99 ${ms(ack.p99)} (target p99 < 500 ms), ${hubRun.failures} failed, handled ${handledPerSecond.toFixed(0)}/s`);
    console.log(`  raw verify+200              ack p50 ${ms(bareAck.p50)} p99 ${ms(bareAck.p99)}   ratio p50 ${(ack.p50 / bareAck.p50).toFixed(1)}×, p99 ${(ack.p99 / bareAck.p99).toFixed(1)}×`);
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
};
