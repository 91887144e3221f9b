import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createTestDatabase, HubStack, mapConcurrent, REPO_ROOT, startRedisServer, waitFor, type HubProcess } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';
import { summarizeCpuProfile } from './cpu-profile.js';
import { HttpLoad } from './http-load.js';
import { cpuSeconds, pidsNamed } from './process-cpu.js';

// Routing on PostgreSQL + Redis (an api and BENCH_ROUTING_WORKERS worker processes):
// 1. backlog: BENCH_ROUTING_ITEMS (10,000) items wait, then BENCH_ROUTING_AGENTS (1,000) agents
//    come online, room for 10 items each: offers per second sustained, and the time from an agent
//    becoming available (its presence stamp) to its first offer, p50/p99;
//    Then late arrivals: 200 more items wait while every agent is full, and BENCH_ROUTING_LATE (50)
//    new agents come online one at a time, 10/s: available → first offer, p50/p99;
// 2. fresh work: BENCH_ROUTING_FRESH (300) items sent at BENCH_ROUTING_RATE (30)/s to a queue
//    whose agents are free: the time from enqueue (the ingest's stamp) to the offer, p50/p99.
// Raw baseline, same database server, same run: one "take the next item" transaction per offer —
// SELECT … FOR UPDATE SKIP LOCKED, INSERT the offer, UPDATE the item — at the same concurrency as
// the workers' routing jobs. CPU per offer of each process from /proc; BENCH_PROFILE=1 profiles
// the worker (BENCH_PROFILE=api the api) and prints where its time goes. Usage: npm run bench -- routing

const ITEMS = intFromEnv('BENCH_ROUTING_ITEMS', 10_000);
const AGENTS = intFromEnv('BENCH_ROUTING_AGENTS', 1_000);
const FRESH = intFromEnv('BENCH_ROUTING_FRESH', 300);
const RATE = intFromEnv('BENCH_ROUTING_RATE', 30);
const WORKERS = intFromEnv('BENCH_ROUTING_WORKERS', 1);
// BENCH_PROFILE=1 (or worker) profiles the worker, BENCH_PROFILE=api the api.
const PROFILED = process.env['BENCH_PROFILE'] === 'api' ? 'api' : 'worker';
const PROFILE = process.env['BENCH_PROFILE'] === '1' || process.env['BENCH_PROFILE'] === 'worker' || PROFILED === 'api';
const PER_AGENT = Math.ceil(ITEMS / AGENTS);
const FRESH_AGENTS = 20;
const LATE_ITEMS = 200;
const LATE_AGENTS = intFromEnv('BENCH_ROUTING_LATE', 50);
const LATE_RATE = 10;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const stats = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

const cpuOf = (hubs: HubProcess[]): Map<string, number> => {
  const snapshot = new Map<string, number>();
  for (const hub of hubs) {
    const seconds = hub.child?.pid === undefined ? undefined : cpuSeconds(hub.child.pid);
    if (seconds !== undefined) snapshot.set(`hub ${hub.name}`, seconds);
  }
  snapshot.set('postgres (all processes)', pidsNamed('postgres').reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0));
  return snapshot;
};

/** The raw baseline: `count` "take the next waiting item, record an offer" transactions at `concurrency`. */
const rawOffers = async (url: string, count: number, concurrency: number) => {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  pool.on('error', () => undefined);
  try {
    await pool.query('CREATE TABLE raw_items (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT $$waiting$$, enqueued_at timestamptz NOT NULL DEFAULT now())');
    await pool.query('CREATE INDEX ix_raw_items_waiting ON raw_items (enqueued_at) WHERE state = $$waiting$$');
    await pool.query('CREATE TABLE raw_offers (id bigserial PRIMARY KEY, item_id bigint NOT NULL, agent int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    await pool.query('INSERT INTO raw_items (enqueued_at) SELECT now() + make_interval(secs => g) FROM generate_series(1, $1) AS g', [count]);
    const latencies: number[] = [];
    const started = performance.now();
    await mapConcurrent(
      Array.from({ length: count }, (_, i) => i),
      concurrency,
      async (i) => {
        const t0 = performance.now();
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const taken = await client.query<{ id: string }>("SELECT id FROM raw_items WHERE state = 'waiting' ORDER BY enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED");
          const id = taken.rows[0]?.id;
          if (id !== undefined) {
            await client.query('INSERT INTO raw_offers (item_id, agent) VALUES ($1, $2)', [id, i % AGENTS]);
            await client.query("UPDATE raw_items SET state = 'offered' WHERE id = $1", [id]);
          }
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        latencies.push(performance.now() - t0);
      },
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: count / seconds, latency: stats(latencies) };
  } finally {
    await pool.end();
  }
};

export const runRoutingBench = async (): Promise<void> => {
  console.log(`routing: ${ITEMS} waiting items, ${AGENTS} agents (${PER_AGENT} items each), ${WORKERS} worker(s); then ${FRESH} items at ${RATE}/s to ${FRESH_AGENTS} free agents`);
  const cleanup: (() => Promise<unknown>)[] = [];
  try {
    const db = await createTestDatabase();
    cleanup.push(() => db.drop());
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'sb-bench-routing-prof-')) : undefined;
    if (profileDir !== undefined) cleanup.push(async () => rmSync(profileDir, { recursive: true, force: true }));
    const stack = await HubStack.start({
      databaseUrl: db.url,
      redisUrl: redis.url,
      workers: WORKERS,
      workerNodeArgs: profileDir === undefined || PROFILED !== 'worker' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      apiNodeArgs: profileDir === undefined || PROFILED !== 'api' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      config: { hub: { sweepIntervalMs: 2000, channelQueues: { backlog: 'backlog', fresh: 'fresh' } } },
    });
    cleanup.unshift(async () => {
      await stack.stop();
      stack.removeFiles();
    });
    const hub = stack.client;
    // Offers stay pending for the run: each one holds its agent's capacity, as a desk showing it would.
    await hub.createQueue({ name: 'backlog', skills: { backlog: 1 }, cost: 10, offerTimeoutSeconds: 86_400 });
    await hub.createQueue({ name: 'fresh', skills: { fresh: 1 }, cost: 1, offerTimeoutSeconds: 86_400 });
    const agents = await mapConcurrent(
      Array.from({ length: AGENTS }, (_, i) => i),
      8,
      (i) => hub.createAgent({ name: `Agent ${String(i).padStart(4, '0')}`, skills: { backlog: 1 }, capacity: { units: PER_AGENT * 10 } }),
    );

    // The backlog, while nobody is available.
    // One load generator per phase: an idle keep-alive socket is closed by the server meanwhile.
    let load = new HttpLoad(new URL('/v1/inbound', stack.api.baseUrl), 16, { authorization: `Bearer ${stack.adminKey}` });
    cleanup.push(async () => load.close());
    const run = Date.now().toString(36);
    const inbound = async (channel: string, i: number) => {
      const answer = await load.post('/v1/inbound', JSON.stringify({ channel, externalId: `${run}-${channel}-${i}`, from: { kind: 'email', value: `c-${run}-${channel}-${i}@example.com` }, text: `item ${i}` }));
      if (answer.status !== 202) throw new Error(`POST /v1/inbound → ${answer.status} ${answer.body.slice(0, 200)}`);
    };
    const ingestStarted = performance.now();
    await mapConcurrent(Array.from({ length: ITEMS }, (_, i) => i), 16, (i) => inbound('backlog', i));
    console.log(`  backlog of ${ITEMS} ingested in ${((performance.now() - ingestStarted) / 1000).toFixed(1)} s`);
    load.close();
    const waitingCount = async () => Number((await db.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM work_items WHERE state = 'waiting'")).rows[0]?.n);
    await waitFor(async () => (await waitingCount()) === ITEMS, { timeoutMs: 120_000, description: `${ITEMS} items waiting` });

    // Raw baseline first, at the concurrency of one worker's routing jobs.
    const raw = await rawOffers(db.url, ITEMS, 4);

    // 1. Agents come online; every one of them has room for PER_AGENT items.
    const hubs = [stack.api, ...stack.workers];
    const cpuBefore = cpuOf(hubs);
    const windowStart = monotonicMicros();
    const started = performance.now();
    await mapConcurrent(agents, 16, (agent) => hub.setPresence(agent.id, 'available'));
    const online = performance.now();
    const offersCount = async () => Number((await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM offers').catch(() => ({ rows: [{ n: '0' }] }))).rows[0]?.n);
    await waitFor(async () => (await offersCount()) >= ITEMS, { timeoutMs: 900_000, intervalMs: 200, description: `${ITEMS} offers` });
    const wall = (performance.now() - started) / 1000;
    const windowEnd = monotonicMicros();
    const cpuAfter = cpuOf(hubs);
    const span = await db.pool.query<{ first: Date; last: Date }>('SELECT min(created_at) AS first, max(created_at) AS last FROM offers');
    const first = span.rows[0]?.first.getTime() ?? 0;
    const last = span.rows[0]?.last.getTime() ?? 0;
    const sustained = ITEMS / Math.max(0.001, (last - first) / 1000);
    const toOffer = await db.pool.query<{ ms: number }>(
      `SELECT extract(epoch FROM (min(o.created_at) - a.presence_since)) * 1000 AS ms
         FROM agents a JOIN offers o ON o.agent_id = a.id GROUP BY a.id, a.presence_since`,
    );
    const availableToOffer = stats(toOffer.rows.map((r) => Number(r.ms)));
    console.log(`  backlog: ${ITEMS} offers in ${wall.toFixed(1)} s from the first presence change (agents online after ${((online - started) / 1000).toFixed(1)} s)`);
    console.log(`    offers/s sustained ${sustained.toFixed(0)} (first to last offer)   raw take-next transactions ${raw.perSecond.toFixed(0)}/s   ratio ${(sustained / raw.perSecond).toFixed(2)}×   (target ≥ 1,000 offers/s)`);
    console.log(`    agent available → its first offer  p50 ${ms(availableToOffer.p50)} p99 ${ms(availableToOffer.p99)} (${availableToOffer.n} agents)   raw transaction p50 ${ms(raw.latency.p50)} p99 ${ms(raw.latency.p99)}`);
    // The first offers made in the presence change's own commit (the rest came from routing passes).
    const instant = await db.pool.query<{ n: string; late: string }>(
      `SELECT count(*)::text AS n, count(*) FILTER (WHERE o.created_at - a.presence_since > interval '50 ms')::text AS late
         FROM routing_decisions d JOIN offers o ON o.conversation_id = d.conversation_id AND o.agent_id = d.agent_id JOIN agents a ON a.id = d.agent_id
        WHERE d.rule = 'on-available'`,
    );
    console.log(`    offered as the agent became available (rule on-available): ${instant.rows[0]?.n ?? 0} of ${toOffer.rows.length} agents, ${instant.rows[0]?.late ?? 0} of them after more than 50 ms`);
    // Second by second from the first presence change: agents made available, offers made, and the
    // routing passes' pages (distinct decision stamps of pass offers) — where offers lag the agents.
    const timeline = await db.pool.query<{ s: number; agents: string; offers: string; passes: string }>(
      `WITH t0 AS (SELECT min(presence_since) AS at FROM agents WHERE presence = 'available'),
            a AS (SELECT floor(extract(epoch FROM (presence_since - t0.at)))::int AS s, count(*) AS n FROM agents, t0 WHERE presence = 'available' GROUP BY 1),
            o AS (SELECT floor(extract(epoch FROM (d.at - t0.at)))::int AS s, count(*) AS n, count(DISTINCT d.at) FILTER (WHERE d.rule IS DISTINCT FROM 'on-available') AS pages
                    FROM routing_decisions d, t0 WHERE d.outcome = 'offered' GROUP BY 1)
       SELECT s, coalesce(a.n, 0)::text AS agents, coalesce(o.n, 0)::text AS offers, coalesce(o.pages, 0)::text AS passes
         FROM a FULL JOIN o USING (s) ORDER BY s`,
    );
    console.log(`    by second (agents made available / offers made / routing pages): ${timeline.rows.map((r) => `${r.s}s ${r.agents}/${r.offers}/${r.passes}`).join('  ')}`);
    console.log('    CPU per offer while routing the backlog:');
    for (const [name, seconds] of cpuAfter) {
      const used = seconds - (cpuBefore.get(name) ?? 0);
      console.log(`      ${name.padEnd(26)} ${used.toFixed(2).padStart(7)} s   ${((1000 * used) / ITEMS).toFixed(2)} ms/offer`);
    }

    // 1b. Late arrivals: more work waits while every agent is full, and agents come online one at a
    // time (not in a burst that queues their requests behind each other): available → first offer.
    load = new HttpLoad(new URL('/v1/inbound', stack.api.baseUrl), 8, { authorization: `Bearer ${stack.adminKey}` });
    await mapConcurrent(Array.from({ length: LATE_ITEMS }, (_, i) => ITEMS + i), 8, (i) => inbound('backlog', i));
    load.close();
    // Settled: a pass has seen each of them and left it waiting, with its reason.
    const settledCount = async () => Number((await db.pool.query<{ n: string }>("SELECT count(*)::text AS n FROM work_items WHERE state = 'waiting' AND reasons <> '[]'::jsonb")).rows[0]?.n);
    await waitFor(async () => (await settledCount()) >= LATE_ITEMS, { timeoutMs: 120_000, description: `${LATE_ITEMS} late items waiting with a reason` });
    const late = await mapConcurrent(Array.from({ length: LATE_AGENTS }, (_, i) => i), 4, (i) =>
      hub.createAgent({ name: `Late ${String(i).padStart(3, '0')}`, skills: { backlog: 1 }, capacity: { units: 10 * Math.ceil(LATE_ITEMS / LATE_AGENTS) } }),
    );
    const lateStart = performance.now();
    for (const [i, agent] of late.entries()) {
      const wait = lateStart + (i * 1000) / LATE_RATE - performance.now();
      if (wait > 0) await sleep(wait);
      await hub.setPresence(agent.id, 'available');
    }
    const lateIds = late.map((a) => a.id);
    const lateOffered = async () => Number((await db.pool.query<{ n: string }>('SELECT count(DISTINCT agent_id)::text AS n FROM offers WHERE agent_id = ANY($1::uuid[])', [lateIds])).rows[0]?.n);
    await waitFor(async () => (await lateOffered()) >= LATE_AGENTS, { timeoutMs: 120_000, description: `an offer to each of ${LATE_AGENTS} late agents` });
    const lateToOffer = await db.pool.query<{ ms: number }>(
      `SELECT extract(epoch FROM (min(o.created_at) - a.presence_since)) * 1000 AS ms
         FROM agents a JOIN offers o ON o.agent_id = a.id WHERE a.id = ANY($1::uuid[]) GROUP BY a.id, a.presence_since`,
      [lateIds],
    );
    const lateStats = stats(lateToOffer.rows.map((r) => Number(r.ms)));
    console.log(
      `  late arrivals: agent available → its first offer p50 ${ms(lateStats.p50)} p99 ${ms(lateStats.p99)} (${lateStats.n} agents at ${LATE_RATE}/s, ${LATE_ITEMS} items waiting; target p99 < 50 ms)`,
    );

    // 2. Fresh work for free agents: enqueue → offer.
    const fresh = await mapConcurrent(
      Array.from({ length: FRESH_AGENTS }, (_, i) => i),
      8,
      async (i) => {
        const agent = await hub.createAgent({ name: `Fresh ${i}`, skills: { fresh: 1 }, capacity: { units: FRESH * 2 } });
        await hub.setPresence(agent.id, 'available');
        return agent;
      },
    );
    load = new HttpLoad(new URL('/v1/inbound', stack.api.baseUrl), 8, { authorization: `Bearer ${stack.adminKey}` });
    const pacedStart = performance.now();
    // Paced at RATE/s, at most 8 in flight (a hub slower than the rate falls behind, it is not flooded).
    await mapConcurrent(Array.from({ length: FRESH }, (_, i) => i), 8, async (i) => {
      const wait = pacedStart + (i * 1000) / RATE - performance.now();
      if (wait > 0) await sleep(wait);
      await inbound('fresh', i);
    });
    const freshIds = fresh.map((a) => a.id);
    const freshCount = async () => Number((await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM offers WHERE agent_id = ANY($1::uuid[])', [freshIds])).rows[0]?.n);
    await waitFor(async () => (await freshCount()) >= FRESH, { timeoutMs: 120_000, description: `${FRESH} fresh offers` });
    const enqueueToOffer = await db.pool.query<{ ms: number }>(
      `SELECT extract(epoch FROM (o.created_at - i.recorded_at)) * 1000 AS ms
         FROM offers o JOIN interactions i ON i.conversation_id = o.conversation_id AND i.direction = 'inbound'
        WHERE o.agent_id = ANY($1::uuid[])`,
      [freshIds],
    );
    const fromEnqueue = stats(enqueueToOffer.rows.map((r) => Number(r.ms)));
    // Where the wait is: commit → the outbox relay hands the event on, then → the routing pass's offer.
    const stages = await db.pool.query<{ relay: number; route: number }>(
      `SELECT extract(epoch FROM (e.dispatched_at - e.created_at)) * 1000 AS relay, extract(epoch FROM (o.created_at - e.dispatched_at)) * 1000 AS route
         FROM offers o JOIN outbox_events e ON e.type = 'conversation.queued' AND e.event->>'conversationId' = o.conversation_id::text
        WHERE o.agent_id = ANY($1::uuid[])`,
      [freshIds],
    );
    const relayStage = stats(stages.rows.map((r) => Number(r.relay)));
    const routeStage = stats(stages.rows.map((r) => Number(r.route)));
    console.log(`  fresh work: enqueue → offer p50 ${ms(fromEnqueue.p50)} p99 ${ms(fromEnqueue.p99)} (${fromEnqueue.n} items at ${RATE}/s; target p99 < 50 ms)   raw transaction p50 ${ms(raw.latency.p50)} p99 ${ms(raw.latency.p99)}`);

    console.log(`    of which commit → relayed p50 ${ms(relayStage.p50)} p99 ${ms(relayStage.p99)}, relayed → offer p50 ${ms(routeStage.p50)} p99 ${ms(routeStage.p99)}`);

    if (profileDir !== undefined) {
      await stack.stop();
      const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) console.log(`  (no CPU profile was written by the ${PROFILED})`);
      else {
        const summary = summarizeCpuProfile(join(profileDir, file), REPO_ROOT, windowStart, windowEnd);
        const share = (value: number) => `${((100 * value) / summary.totalMs).toFixed(1).padStart(5)}%`;
        console.log(`  ${PROFILED} CPU profile while routing the backlog (${(summary.totalMs / 1000).toFixed(2)} s sampled), self time by area (incl. native calls made for it):`);
        const callers = new Map(summary.byCallerArea);
        for (const [area, value] of summary.byArea) console.log(`    ${share(value)}  ${share(callers.get(area) ?? 0)}  ${area}`);
        console.log('  top functions:');
        for (const [name, value] of summary.byFunction) console.log(`    ${share(value)}  ${name}`);
      }
    }
  } finally {
    for (const step of cleanup) await step().catch(() => undefined);
  }
};
