import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  createTestDatabase,
  HubStack,
  mapConcurrent,
  startRedisServer,
  type HubProcess,
  type RedisServer,
  type TestDatabase,
  REPO_ROOT,
} from '@switchboard/tests';
import { HubspotFake } from '@switchboard/crm-hubspot/testing';
import { printProfileSummary, summarizeCpuProfile } from './cpu-profile.js';
import { HttpLoad } from './http-load.js';
import { intFromEnv } from './bench-env.js';
import { cpuSeconds, pidsNamed } from './process-cpu.js';
import { minus, sqlCounterEnv, sqlCounts, type SqlCounts } from './sql-counts.js';

// HTTP ingest on PostgreSQL + Redis (separate api and worker processes) against the raw baseline:
// single-row INSERTs of the same payload, at the same concurrency, on the same PostgreSQL server.
// Usage: npm run bench -- ingest   (env: BENCH_N=10000, BENCH_CONCURRENCY=32, BENCH_MAX_SECONDS=900,
//        BENCH_API_NODE_ARGS="<flags>" extra node flags for the api,
//        BENCH_RULES=20 routing rules before the run: all but the last miss, so every message is
//        matched against each of them (keywords, a regex, an attribute), the last sends it to `bench`,
//        BENCH_PROFILE=1 to CPU-profile the api process and print where its time goes,
//        BENCH_PROFILE_DIR=<dir> to keep the .cpuprofile there, for Chrome DevTools,
//        BENCH_SQL_COUNT=0 to leave out the statement counter, sql-counter.preload.mjs,
//        BENCH_INGEST_CRM=1 with a HubSpot instance (a loopback fake) configured: ingest also names
//        its entries for the CRM sync, and the workers log them while the ingest runs)

const N = intFromEnv('BENCH_N', 10_000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 32);
// Long enough for both sides to be warm (JIT, caches, connections): the raw side measured faster
// after the ingest run than before it with a warm-up of 200.
const WARMUP = Math.min(2000, Math.max(20, Math.floor(N / 4)));
const MAX_SECONDS = intFromEnv('BENCH_MAX_SECONDS', 900);
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const RULES = intFromEnv('BENCH_RULES', 0);
const API_NODE_ARGS = (process.env['BENCH_API_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
const SQL_COUNT = process.env['BENCH_SQL_COUNT'] !== '0';
// One deadline for the whole run: every measurement stops issuing work past it.
const DEADLINE = Date.now() + MAX_SECONDS * 1000;

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

interface Measurement {
  name: string;
  count: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
};

/** Mean messages per ingest transaction, from the hub's own histogram (warm-up included). */
const ingestBatches = async (baseUrl: string): Promise<{ transactions: number; mean: number } | null> => {
  const text = await fetch(new URL('/metrics', baseUrl)).then((r) => r.text(), () => '');
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const sum = value('switchboard_ingest_batch_size_sum');
  const count = value('switchboard_ingest_batch_size_count');
  return Number.isFinite(sum) && count > 0 ? { transactions: count, mean: sum / count } : null;
};

const rate = (m: Measurement) => (m.count - m.errors) / m.seconds;

/** Runs `op` `count` times at `concurrency`, timing each call; an op that throws counts as an error. */
const measure = async (name: string, count: number, concurrency: number, op: (i: number) => Promise<void>): Promise<Measurement> => {
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  await mapConcurrent(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      if (Date.now() > DEADLINE) throw new Error(`${name}: over BENCH_MAX_SECONDS=${MAX_SECONDS}, stopping`);
      const t0 = performance.now();
      try {
        await op(i);
        latenciesMs.push(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
    },
  );
  const seconds = (performance.now() - started) / 1000;
  if (firstError !== undefined) {
    process.stderr.write(`${name}: ${errors} error(s); first: ${firstError instanceof Error ? firstError.message : String(firstError)}\n`);
  }
  latenciesMs.sort((a, b) => a - b);
  return { name, count, errors, seconds, latenciesMs };
};

// --- where time goes: CPU of each process from /proc (Linux), database counters from pg_stat_database

type CpuSnapshot = Map<string, number>;

const cpuSnapshot = (hubs: HubProcess[], redisPid: number | undefined): CpuSnapshot => {
  const snapshot: CpuSnapshot = new Map();
  for (const hub of hubs) {
    const pid = hub.child?.pid;
    const seconds = pid === undefined ? undefined : cpuSeconds(pid);
    if (seconds !== undefined) snapshot.set(`hub ${hub.name}`, seconds);
  }
  let postgres = 0;
  for (const pid of pidsNamed('postgres')) postgres += cpuSeconds(pid) ?? 0;
  snapshot.set('postgres (all processes)', postgres);
  const redisSeconds = redisPid === undefined ? undefined : cpuSeconds(redisPid);
  if (redisSeconds !== undefined) snapshot.set('redis-server', redisSeconds);
  snapshot.set('bench client (this process)', process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6);
  return snapshot;
};

/**
 * CPU of this database's own PostgreSQL backends (hub connections and autovacuum on it): on a
 * shared machine "postgres (all processes)" also counts other databases' work, and the WAL writer's.
 */
const backendCpu = async (pool: pg.Pool, database: string): Promise<Map<number, number>> => {
  const { rows } = await pool.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND (application_name = 'switchboard' OR backend_type = 'autovacuum worker')",
    [database],
  );
  return new Map(rows.flatMap((row) => {
    const seconds = cpuSeconds(row.pid);
    return seconds === undefined ? [] : [[row.pid, seconds] as const];
  }));
};

/** Seconds of CPU between two readings; a backend that started in between counts from zero. */
const backendCpuDelta = (before: Map<number, number>, after: Map<number, number>): number =>
  [...after.entries()].reduce((sum, [pid, seconds]) => sum + Math.max(0, seconds - (before.get(pid) ?? 0)), 0);

const cpuDelta = (before: CpuSnapshot, after: CpuSnapshot): Array<[string, number]> =>
  [...after.entries()].map(([key, value]) => [key, Math.max(0, value - (before.get(key) ?? 0))]);

interface DbCounters {
  commits: number;
  inserted: number;
  updated: number;
  returned: number;
}

const dbCounters = async (pool: pg.Pool, database: string): Promise<DbCounters> => {
  const { rows } = await pool.query<{ xact_commit: string; tup_inserted: string; tup_updated: string; tup_returned: string }>(
    'SELECT xact_commit::text, tup_inserted::text, tup_updated::text, tup_returned::text FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  const row = rows[0];
  return {
    commits: Number(row?.xact_commit ?? 0),
    inserted: Number(row?.tup_inserted ?? 0),
    updated: Number(row?.tup_updated ?? 0),
    returned: Number(row?.tup_returned ?? 0),
  };
};

type TableCounters = Map<string, { seqScans: number; seqRows: number; idxRows: number; writes: number }>;

/** Per-table scan and write counters (pg_stat_user_tables): which tables the ingest path reads. */
const tableCounters = async (pool: pg.Pool): Promise<TableCounters> => {
  const { rows } = await pool.query<{ relname: string; seq_scan: string; seq_tup_read: string; idx_tup_fetch: string; writes: string }>(
    `SELECT relname, seq_scan::text, seq_tup_read::text, coalesce(idx_tup_fetch, 0)::text AS idx_tup_fetch,
            (n_tup_ins + n_tup_upd + n_tup_del)::text AS writes
       FROM pg_stat_user_tables`,
  );
  return new Map(
    rows.map((row) => [
      row.relname,
      { seqScans: Number(row.seq_scan), seqRows: Number(row.seq_tup_read), idxRows: Number(row.idx_tup_fetch), writes: Number(row.writes) },
    ]),
  );
};

// --- the run -----------------------------------------------------------------------------------

const inboundBody = (run: string, i: number) => ({
  channel: 'webhook',
  externalId: `bench-${run}-${i}`,
  from: { kind: 'email', value: `customer-${run}-${i}@example.com`, name: `Customer ${i}` },
  subject: `Order ${100000 + i}: where is my parcel?`,
  text: `Hello, I ordered item ${i} last week and it has not arrived yet. Could you tell me where it is? Thanks.`,
});

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

const printTable = (rows: Measurement[]) => {
  const header = ['', 'messages', 'errors', 'seconds', 'msg/s', 'p50 ms', 'p95 ms', 'p99 ms'];
  const lines = rows.map((m) => [
    m.name,
    String(m.count),
    String(m.errors),
    fmt(m.seconds, 2),
    fmt(rate(m)),
    fmt(percentile(m.latenciesMs, 50), 2),
    fmt(percentile(m.latenciesMs, 95), 2),
    fmt(percentile(m.latenciesMs, 99), 2),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)));
  const render = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  console.log(render(header));
  for (const line of lines) console.log(render(line));
};

export const runIngestBench = async (): Promise<void> => {
  const cleanup: Array<() => Promise<unknown>> = [];
  const runCleanup = async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    cleanup.length = 0;
  };
  const onSignal = () => {
    void runCleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    console.log(`switchboard ingest benchmark: N=${N}, concurrency=${CONCURRENCY}, warm-up ${WARMUP}, routing rules ${RULES}; node ${process.version}`);
    const db: TestDatabase = await createTestDatabase();
    cleanup.push(() => db.drop());
    const redis: RedisServer = await startRedisServer();
    cleanup.push(() => redis.stop());
    const keptProfileDir = process.env['BENCH_PROFILE_DIR'];
    const profileDir = PROFILE ? (keptProfileDir ?? mkdtempSync(join(tmpdir(), 'sb-bench-prof-'))) : undefined;
    const counterDir = SQL_COUNT ? mkdtempSync(join(tmpdir(), 'sb-bench-sql-')) : undefined;
    if (counterDir !== undefined) cleanup.push(async () => rmSync(counterDir, { recursive: true, force: true }));
    if (profileDir !== undefined && keptProfileDir === undefined) cleanup.push(async () => rmSync(profileDir, { recursive: true, force: true }));
    // Environment of every hub process (api and worker); more settings add to it.
    const hubEnv: Record<string, string> = {};
    // Every hub process counts what it sends (sql-counter.preload.mjs); the hub itself has no such counter.
    if (counterDir !== undefined) Object.assign(hubEnv, sqlCounterEnv(counterDir));
    const withCrm = process.env['BENCH_INGEST_CRM'] === '1';
    const crmFake = withCrm ? new HubspotFake({ token: 'pat-bench' }) : null;
    if (crmFake) {
      await crmFake.start();
      cleanup.push(() => crmFake.stop());
      hubEnv['BENCH_HUBSPOT_TOKEN'] = 'pat-bench';
    }
    const stack = await HubStack.start({
      apiNodeArgs: [...API_NODE_ARGS, ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])],
      databaseUrl: db.url,
      redisUrl: redis.url,
      env: hubEnv,
      config: {
        hub: { channelQueues: { webhook: 'bench' } },
        plugins: [
          { id: 'webhook', use: '@switchboard/channel-webhook', config: { channel: 'webhook' } },
          ...(crmFake ? [{ id: 'hubspot', use: '@switchboard/crm-hubspot', config: { accessToken: { env: 'BENCH_HUBSPOT_TOKEN' }, apiBaseUrl: crmFake.url, requestsPerTenSeconds: 1000 } }] : []),
        ],
      },
    });
    if (crmFake) console.log('with a HubSpot instance configured (BENCH_INGEST_CRM=1)');
    cleanup.push(async () => {
      await stack.stop();
      stack.removeFiles();
    });
    const hub = stack.client;
    await hub.createQueue({ name: 'bench', cost: 1 });
    for (let i = 1; i < RULES; i += 1) {
      const miss = i % 3 === 0 ? { keywords: [`never-${i}`, 'refund please'] } : i % 3 === 1 ? { regex: { pattern: `^ticket #${i}\\b`, caseInsensitive: true } } : { attributes: { tier: `tier-${i}` } };
      const answer = await hub.post('/v1/routing-rules', { name: `miss ${i}`, match: miss, actions: { priority: 3 } });
      if (answer.status !== 201) throw new Error(`POST /v1/routing-rules → ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    if (RULES > 0) {
      const answer = await hub.post('/v1/routing-rules', { name: 'webhook to bench', match: { channels: ['webhook'] }, actions: { queue: 'bench', priority: 1 } });
      if (answer.status !== 201) throw new Error(`POST /v1/routing-rules → ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    console.log(`hub: api ${stack.api.baseUrl}, ${stack.workers.length} worker(s); database ${db.name}; redis ${redis.url}\n`);

    const run = Date.now().toString(36);
    const payload = JSON.stringify(inboundBody(run, 0));

    // Raw baseline: one autocommitted single-row INSERT per message, same payload size, same concurrency.
    const raw = new pg.Pool({ connectionString: db.url, max: CONCURRENCY });
    raw.on('error', () => undefined);
    cleanup.push(() => raw.end());
    await raw.query('CREATE TABLE bench_raw (id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
    const insert = async (i: number) => {
      await raw.query('INSERT INTO bench_raw (payload) VALUES ($1)', [JSON.stringify(inboundBody(`raw${run}`, i))]);
    };
    await measure('warm-up raw', WARMUP, CONCURRENCY, insert);
    const rawBefore = await measure('raw INSERT (pg), before', N, CONCURRENCY, (i) => insert(WARMUP + i));

    // A lean load generator (keep-alive sockets, minimal parsing), as wrk would be: the figures
    // should measure the hub, not the HTTP client of the bench (http-load.ts says why).
    const target = new URL('/v1/inbound', stack.api.baseUrl);
    const load = new HttpLoad(target, CONCURRENCY, { authorization: `Bearer ${stack.adminKey}` });
    cleanup.push(async () => load.close());
    const post = async (i: number) => {
      const answer = await load.post(target.pathname, JSON.stringify(inboundBody(run, i)));
      if (answer.status !== 202) throw new Error(`POST /v1/inbound → ${answer.status} ${answer.body.slice(0, 200)}`);
      const parsed = JSON.parse(answer.body) as { interactionId?: unknown };
      if (typeof parsed.interactionId !== 'string') throw new Error(`unexpected answer ${answer.body.slice(0, 200)}`);
    };
    await measure('warm-up ingest', WARMUP, CONCURRENCY, (i) => post(N + i));

    const hubs = [stack.api, ...stack.workers];
    const sqlBefore = counterDir === undefined ? new Map<string, SqlCounts>() : await sqlCounts(counterDir, hubs);
    const cpuBefore = cpuSnapshot(hubs, redis.pid);
    const backendsBefore = await backendCpu(db.pool, db.name);
    const dbBefore = await dbCounters(db.pool, db.name);
    const tablesBefore = await tableCounters(db.pool);
    const windowStart = monotonicMicros();
    const ingest = await measure('HTTP ingest (POST /v1/inbound)', N, CONCURRENCY, post);
    const windowEnd = monotonicMicros();
    const batches = await ingestBatches(stack.api.baseUrl);
    const cpuAfter = cpuSnapshot(hubs, redis.pid);
    const backendsAfter = await backendCpu(db.pool, db.name);
    const sqlAfter = counterDir === undefined ? new Map<string, SqlCounts>() : await sqlCounts(counterDir, hubs);
    // PostgreSQL's statistics arrive with a short delay: let them catch up before reading.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const dbAfter = await dbCounters(db.pool, db.name);
    const tablesAfter = await tableCounters(db.pool);

    // The raw rate drifts by several per cent from one second to the next on this shared machine:
    // measure it again after the ingest run and compare with the mean of both.
    const rawAfter = await measure('raw INSERT (pg), after', N, CONCURRENCY, (i) => insert(WARMUP + N + i));
    const rawRate = (rate(rawBefore) + rate(rawAfter)) / 2;

    console.log(`payload ${Buffer.byteLength(payload)} bytes of JSON per message\n`);
    printTable([ingest, rawBefore, rawAfter]);
    const ratio = rate(ingest) / rawRate;
    console.log(`\ningest ÷ raw = ${fmt(ratio, 3)}×   (raw: mean of before and after, ${fmt(rawRate)} msg/s; issue 2 target ≥ 0.25×; later ≥ 0.5×)`);

    const perMessage = (value: number) => fmt(value / Math.max(1, ingest.count - ingest.errors), 2);
    if (batches) console.log(`group commit: ${batches.transactions} ingest transactions, ${fmt(batches.mean, 1)} messages per transaction on average`);
    console.log(`\nwhere time goes during the ingest run (${fmt(ingest.seconds, 2)} s wall, ${CONCURRENCY} in flight):`);
    for (const [name, seconds] of cpuDelta(cpuBefore, cpuAfter)) {
      console.log(`  ${name.padEnd(30)} ${fmt(seconds, 2).padStart(7)} s CPU  ${fmt((100 * seconds) / ingest.seconds, 0).padStart(4)}% of one core  ${fmt((1000 * seconds) / Math.max(1, ingest.count), 2)} ms/msg`);
    }
    const backendSeconds = backendCpuDelta(backendsBefore, backendsAfter);
    console.log(`  ${'postgres, this database only'.padEnd(30)} ${fmt(backendSeconds, 2).padStart(7)} s CPU  ${fmt((100 * backendSeconds) / ingest.seconds, 0).padStart(4)}% of one core  ${fmt((1000 * backendSeconds) / Math.max(1, ingest.count), 2)} ms/msg (hub connections, autovacuum; not the WAL writer)`);
    console.log(
      `  database per message: ${perMessage(dbAfter.commits - dbBefore.commits)} commits, ${perMessage(dbAfter.inserted - dbBefore.inserted)} rows inserted, ` +
        `${perMessage(dbAfter.updated - dbBefore.updated)} rows updated, ${perMessage(dbAfter.returned - dbBefore.returned)} rows read (includes the worker's routing)`,
    );
    const perTable = [...tablesAfter.entries()]
      .map(([table, after]) => {
        const before = tablesBefore.get(table) ?? { seqScans: 0, seqRows: 0, idxRows: 0, writes: 0 };
        return {
          table,
          seqScans: after.seqScans - before.seqScans,
          seqRows: after.seqRows - before.seqRows,
          idxRows: after.idxRows - before.idxRows,
          writes: after.writes - before.writes,
        };
      })
      .filter((row) => row.table !== 'bench_raw' && row.seqRows + row.idxRows + row.writes > 0)
      .sort((a, b) => b.seqRows + b.idxRows - (a.seqRows + a.idxRows))
      .slice(0, 8);
    if (perTable.length > 0) {
      console.log('  rows per message by table (seq scans, rows read by seq scan, rows fetched by index, rows written):');
      for (const row of perTable) {
        console.log(
          `    ${row.table.padEnd(22)} ${perMessage(row.seqScans).padStart(7)} scans ${perMessage(row.seqRows).padStart(9)} seq rows ${perMessage(row.idxRows).padStart(8)} idx rows ${perMessage(row.writes).padStart(6)} written`,
        );
      }
    }
    const done = Math.max(1, ingest.count - ingest.errors);
    for (const [name, after] of sqlAfter) {
      const before = sqlBefore.get(name);
      const per = (value: number) => fmt(value / done, 3);
      console.log(
        `  ${name}: per message ${per(after.roundTrips - (before?.roundTrips ?? 0))} PostgreSQL round trips, ` +
          `${per(after.statements - (before?.statements ?? 0))} statements, ${per(after.redisCommands - (before?.redisCommands ?? 0))} Redis commands`,
      );
      const kinds = minus(after.kinds, before?.kinds).slice(0, 14);
      if (kinds.length > 0) console.log(`    statements: ${kinds.map(([kind, n]) => `${kind} ${per(n)}`).join(', ')}`);
      const redisKinds = minus(after.redisKinds, before?.redisKinds).slice(0, 6);
      if (redisKinds.length > 0) console.log(`    redis: ${redisKinds.map(([kind, n]) => `${kind} ${per(n)}`).join(', ')}`);
    }
    if (profileDir !== undefined) {
      // The profile is written when the process exits.
      await stack.stop();
      const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
      if (file === undefined) {
        console.log('\n(no CPU profile was written by the api process)');
      } else {
        printProfileSummary('api process CPU profile during the ingest run', summarizeCpuProfile(join(profileDir, file), REPO_ROOT, windowStart, windowEnd));
      }
    }
    if (ingest.errors > 0 || rawBefore.errors > 0 || rawAfter.errors > 0) process.exitCode = 1;
  } finally {
    await runCleanup();
  }
};
