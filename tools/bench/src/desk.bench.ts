import { createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createTestDatabase, HubStack, mapConcurrent, REPO_ROOT, signSlackRequest, startRedisServer, startSlackFake, waitFor } from '@switchboard/tests';
import { summarizeCpuProfile } from './cpu-profile.js';
import { intFromEnv } from './bench-env.js';
import { minus, sqlCounterEnv, sqlCounts, type SqlCounts } from './sql-counts.js';

// The Slack desk on PostgreSQL + Redis (api + worker processes), Web API on a loopback fake:
// 1. offer-to-desk latency: an offer created (its row's created_at) → the fake receives its DM, with
//    BENCH_DESK_AGENTS agents (default 200), BENCH_DESK_OFFERS offers (default 200) one at a time (the
//    next message only after the DM), then the same number in a burst; each split at the outbox relay
//    (the offer.created event's dispatched_at). Baseline: a chat.postMessage sent straight to the fake.
// 2. signed Slack events at BENCH_DESK_RATE/s (default 200) for BENCH_DESK_SECONDS (default 10):
//    ack latency and events handled per second (App Home views published); baseline: a bare
//    node:http server that verifies the same signature and answers 200.
// Usage: npm run bench -- desk   (BENCH_PROFILE=1: CPU-profile the worker during the burst and print where its time goes;
//        BENCH_PROFILE_DIR=<dir> keeps the .cpuprofile there; BENCH_SQL_COUNT=0 leaves out the per-offer
//        count of PostgreSQL round trips and Redis commands, sql-counter.preload.mjs)

const AGENTS = intFromEnv('BENCH_DESK_AGENTS', 200);
const OFFERS = intFromEnv('BENCH_DESK_OFFERS', 200);
const RATE = intFromEnv('BENCH_DESK_RATE', 200);
const SECONDS = intFromEnv('BENCH_DESK_SECONDS', 10);
const SECRET = 'bench-slack-signing-secret';
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const SQL_COUNT = process.env['BENCH_SQL_COUNT'] !== '0';
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
/** CPU milliseconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere). */
const cpuMsOf = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
};

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
    const keptProfileDir = process.env['BENCH_PROFILE_DIR'];
    const profileDir = PROFILE ? (keptProfileDir ?? mkdtempSync(join(tmpdir(), 'sb-bench-desk-prof-'))) : undefined;
    if (profileDir !== undefined && keptProfileDir === undefined) cleanup.push(async () => rmSync(profileDir, { recursive: true, force: true }));
    const counterDir = SQL_COUNT ? mkdtempSync(join(tmpdir(), 'sb-bench-desk-sql-')) : undefined;
    if (counterDir !== undefined) cleanup.push(async () => rmSync(counterDir, { recursive: true, force: true }));
    const stack = await HubStack.start({
      ...(profileDir === undefined ? {} : { workerNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
      databaseUrl: db.url,
      redisUrl: redis.url,
      env: { SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, ...(counterDir === undefined ? {} : sqlCounterEnv(counterDir)) },
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
    const base = stats(raw);
    const shownAt = (): Map<string, number> => {
      const shown = new Map<string, number>();
      for (const call of fake.callsTo('chat.postMessage')) {
        const id = /offer:([0-9a-f-]{36})/.exec(JSON.stringify(call.args['blocks'] ?? ''))?.[1];
        if (id && !shown.has(id)) shown.set(id, call.at);
      }
      return shown;
    };
    const offerRow = z.object({ id: z.string(), created_at: z.date(), dispatched_at: z.date().nullable() });
    // Every offer of the given conversations, with its creation and the relay of its `offer.created` event.
    const offersOf = async (conversationIds: string[]) =>
      z.array(offerRow).parse(
        (
          await db.pool.query(
            `SELECT o.id, o.created_at, e.dispatched_at FROM offers o
               LEFT JOIN outbox_events e ON e.type = 'offer.created' AND e.event->>'offerId' = o.id::text
              WHERE o.conversation_id = ANY($1::uuid[])`,
            [conversationIds],
          )
        ).rows,
      );
    const cpu = () => ({ api: cpuMsOf(stack.api.child?.pid), worker: cpuMsOf(stack.workers[0]?.child?.pid) });
    const sent = async () => (counterDir === undefined ? new Map<string, SqlCounts>() : sqlCounts(counterDir, [stack.api, ...stack.workers]));
    const snapshot = async () => ({ cpu: cpu(), sent: await sent() });
    /** Offer created → DM at the fake, split at the outbox relay (created → relayed → shown); CPU and round trips per offer since `from`. */
    const measure = async (label: string, conversationIds: string[], from: Awaited<ReturnType<typeof snapshot>>) => {
      let rows: z.infer<typeof offerRow>[] = [];
      await waitFor(
        async () => {
          rows = await offersOf(conversationIds);
          const shown = shownAt();
          return rows.length >= conversationIds.length && rows.every((o) => shown.has(o.id));
        },
        { timeoutMs: 120_000, description: `every ${label} offer DM` },
      );
      const shown = shownAt();
      const total = stats(rows.map((o) => (shown.get(o.id) ?? Number.NaN) - o.created_at.getTime()));
      const relayed = stats(rows.map((o) => (o.dispatched_at?.getTime() ?? Number.NaN) - o.created_at.getTime()));
      const delivered = stats(rows.map((o) => (shown.get(o.id) ?? Number.NaN) - (o.dispatched_at?.getTime() ?? Number.NaN)));
      console.log(`  offer-to-desk ${label.padEnd(22)} ${total.n} offers p50 ${ms(total.p50)} p99 ${ms(total.p99)}  (target p99 < 100 ms)  ratio to raw p50 ${(total.p50 / base.p50).toFixed(0)}×, p99 ${(total.p99 / base.p99).toFixed(0)}×`);
      const used = cpu();
      console.log(`    of which created → relayed p50 ${ms(relayed.p50)} p99 ${ms(relayed.p99)}; relayed → DM p50 ${ms(delivered.p50)} p99 ${ms(delivered.p99)}`);
      console.log(`    CPU per offer (message in → DM out): api ${ms((used.api - from.cpu.api) / rows.length)}, worker ${ms((used.worker - from.cpu.worker) / rows.length)}`);
      // Statements and round trips per offer hold under load where latencies do not.
      for (const [name, after] of await sent()) {
        const was = from.sent.get(name);
        const per = (value: number) => (value / rows.length).toFixed(1);
        const kinds = minus(after.kinds, was?.kinds).slice(0, 12);
        const redisKinds = minus(after.redisKinds, was?.redisKinds).slice(0, 8);
        console.log(
          `    ${name} per offer: ${per(after.roundTrips - (was?.roundTrips ?? 0))} PostgreSQL round trips, ${per(after.statements - (was?.statements ?? 0))} statements, ${per(after.redisCommands - (was?.redisCommands ?? 0))} Redis commands` +
            (kinds.length > 0 ? `\n      ${kinds.map(([kind, n]) => `${kind} ${per(n)}`).join(', ')}` : '') +
            (redisKinds.length > 0 ? `\n      redis: ${redisKinds.map(([kind, n]) => `${kind} ${per(n)}`).join(', ')}` : ''),
        );
      }
    };
    console.log(`  raw postMessage                         p50 ${ms(base.p50)} p99 ${ms(base.p99)}`);
    let n = 0;
    const write = async () => (await hub.inbound({ channel: 'webhook', externalId: `bench-${n}`, from: { kind: 'email', value: `c${n++}@example.com` }, text: `message ${n}` })).conversationId;
    // a. One offer at a time (what a customer writing in sees): the next message only after the DM.
    const oneAtATime: string[] = [];
    const beforeOne = await snapshot();
    for (let i = 0; i < OFFERS; i++) {
      const conversationId = await write();
      oneAtATime.push(conversationId);
      await waitFor(async () => (await offersOf([conversationId])).some((o) => shownAt().has(o.id)), { timeoutMs: 30_000, intervalMs: 5, description: 'the offer DM' });
    }
    await measure('one at a time', oneAtATime, beforeOne);
    // b. A burst: OFFERS messages at once (16 in flight), as after an outage or a mass mailing.
    const windowStart = monotonicMicros();
    const beforeBurst = await snapshot();
    const burst = await mapConcurrent(Array.from({ length: OFFERS }, (_, i) => i), 16, () => write());
    await measure(`burst of ${OFFERS}`, burst, beforeBurst);
    const windowEnd = monotonicMicros();

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
    if (profileDir !== undefined) {
      // The profile is written when the process exits.
      await stack.stop();
      const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
      if (file !== undefined) {
        const summary = summarizeCpuProfile(join(profileDir, file), REPO_ROOT, windowStart, windowEnd, 25);
        if (keptProfileDir !== undefined) console.log(`  profile kept: ${join(profileDir, file)} (burst window ${windowStart}–${windowEnd} µs)`);
        const share = (value: number) => `${((100 * value) / summary.totalMs).toFixed(1).padStart(5)}%`;
        console.log(`  worker CPU during the burst: ${(summary.totalMs / 1000).toFixed(2)} s sampled; self time by area, then by function:`);
        for (const [area, value] of summary.byArea) console.log(`    ${share(value)}  ${area}`);
        for (const [name, value] of summary.byFunction) console.log(`    ${share(value)}  ${name}`);
      }
    }
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
};
