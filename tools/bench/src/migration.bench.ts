import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { ManageMigrations, ManageRouting, RunMigration, systemClock, type Store } from '@switchboard/core';
import { OsticketLegacySource } from '@switchboard/legacy-osticket';
import { createMariadbDatabase, createOsticketSchema, generateOsticketData, openTestMariadb } from '@switchboard/legacy-osticket/testing';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/storage-postgres/testing';
import { intFromEnv } from './bench-env.js';
import { summarizeCpuProfile } from './cpu-profile.js';
import { pgSent } from './pg-sent.js';

// BENCH_PROFILE=1: CPU-profile this process during the import and print where its time goes.
const PROFILE = process.env['BENCH_PROFILE'] === '1';

const sent = pgSent;

const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The baseline: every row of the tables streamed with mysql2, nothing done with them. */
const rawStream = (options: mysql.ConnectionOptions, statements: readonly string[]): Promise<{ rows: number; seconds: number }> =>
  new Promise((resolve, reject) => {
    const connection = mysql.createConnection(options);
    const started = performance.now();
    let rows = 0;
    const next = (i: number) => {
      const sql = statements[i];
      if (sql === undefined) {
        const seconds = (performance.now() - started) / 1000;
        connection.end(() => resolve({ rows, seconds }));
        return;
      }
      connection
        .query(sql)
        .stream({ highWaterMark: 1000 })
        .on('data', () => {
          rows += 1;
        })
        .on('error', reject)
        .on('end', () => next(i + 1));
    };
    next(0);
  });

/** CPU seconds a local process has used (utime + stime of /proc/<pid>/stat); 0 when unreadable. */
const cpuSecondsOf = (pid: number): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
};

/** Times every transaction (one per batch) of the store. */
const timed = (store: Store, latencies: number[]): Store => ({
  ...store,
  transaction: async (work) => {
    const t0 = performance.now();
    try {
      return await store.transaction(work);
    } finally {
      latencies.push(performance.now() - t0);
    }
  },
  read: (work) => store.read(work),
  migrate: () => store.migrate(),
  health: () => store.health(),
  close: () => store.close(),
});

/**
 * Migration: a full import of generated osTicket data (BENCH_MIGRATION_ENTRIES entries) from
 * MariaDB into PostgreSQL (a fresh database) through the runner the worker uses, batches of
 * BENCH_MIGRATION_BATCH; next to it, in the same run, the raw mysql2 streaming read of the same
 * tables (users with their emails, tickets, thread entries with their email headers), before and after.
 */
export const runMigrationBench = async (): Promise<void> => {
  const ENTRIES = intFromEnv('BENCH_MIGRATION_ENTRIES', 50_000);
  const BATCH = intFromEnv('BENCH_MIGRATION_BATCH', 1000);
  const server = await openTestMariadb();
  const db = await createMariadbDatabase(server);
  const pg = await createTestDatabase();
  const store = createPostgresStore({ url: pg.url, poolSize: 4 });
  try {
    const options = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, charset: 'utf8mb4', dateStrings: true } as const;
    console.log(`switchboard migration benchmark: ${fmt(ENTRIES)} osTicket entries, MariaDB (${server.kind}) → PostgreSQL, batches of ${BATCH}; node ${process.version}`);
    const connection = await mysqlPromise.createConnection(options);
    await createOsticketSchema(connection);
    const summary = await generateOsticketData(connection, { users: Math.max(10, Math.floor(ENTRIES / 20)), tickets: Math.max(10, Math.floor(ENTRIES / 10)), entries: ENTRIES, seed: 1 });
    await connection.end();
    const { counts } = summary;
    console.log(`generated ${fmt(counts.user)} users, ${fmt(counts.ticket)} tickets, ${fmt(counts.entry)} entries\n`);
    await store.migrate();
    await new ManageRouting(store, systemClock).ensureDefaultQueue();

    const raw = [
      'SELECT u.*, cd.phone, cd.notes FROM ost_user u LEFT JOIN ost_user__cdata cd ON cd.user_id = u.id',
      'SELECT * FROM ost_user_email',
      'SELECT t.*, cd.subject, cd.priority FROM ost_ticket t LEFT JOIN ost_ticket__cdata cd ON cd.ticket_id = t.ticket_id',
      'SELECT e.*, em.mid, em.headers FROM ost_thread_entry e LEFT JOIN ost_thread_entry_email em ON em.thread_entry_id = e.id',
    ];
    const before = await rawStream(options, raw);

    const source = new OsticketLegacySource({ ...options, tablePrefix: 'ost_', timezone: 'Z' });
    const latencies: number[] = [];
    const measured = timed(store, latencies);
    const sources = { find: (id: string) => (id === 'osticket' ? source : undefined), ids: () => ['osticket'] };
    const manage = new ManageMigrations(measured, sources, systemClock);
    const runner = new RunMigration(measured, sources, systemClock, { batchSize: BATCH, openTickets: 'queue' });
    const run = await manage.start({ source: 'osticket', mode: 'full' });
    const profiler = PROFILE ? new Session() : null;
    if (profiler !== null) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    sent.counting = true;
    const ended = await runner.run(run.id);
    sent.counting = false;
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const profile = profiler === null ? null : (await profiler.post('Profiler.stop')).profile;
    profiler?.disconnect();
    await source.close();
    const after = await rawStream(options, raw);

    // The database's side: the backends serving this fresh database are this run's alone.
    const backends = await store.sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
    const pgCpu = backends.reduce((sum, b) => sum + cpuSecondsOf(b.pid), 0);
    const report = await manage.report(run.id);
    const entries = report.entities['entries']?.created ?? 0;
    const records = Object.values(report.entities).reduce((sum, c) => sum + c.read, 0);
    const rawRate = (before.rows / before.seconds + after.rows / after.seconds) / 2;
    latencies.sort((a, b) => a - b);
    console.log(`raw mysql2 stream   ${fmt(before.rows)} rows: ${fmt(before.rows / before.seconds)} rows/s before, ${fmt(after.rows / after.seconds)} rows/s after`);
    console.log(`full import         ${ended?.status ?? 'missing'}: ${fmt(records)} records (${fmt(entries)} entries) in ${fmt(seconds, 2)} s: ${fmt(entries / seconds)} entries/s, ${fmt(records / seconds)} records/s`);
    const hubMs = (cpu.user + cpu.system) / 1000 / records;
    const pgMs = (pgCpu * 1000) / records;
    console.log(`CPU per record      ${fmt(hubMs, 3)} ms in this process + ${fmt(pgMs, 3)} ms in PostgreSQL's backends (${backends.length}) = ${fmt(hubMs + pgMs, 3)} ms`);
    console.log(`CPU-bound rate      ${fmt(1000 / (hubMs + pgMs))} records/s, ${fmt((1000 / (hubMs + pgMs)) * (entries / records))} entries/s on one free core (MariaDB's side not counted; load average ${fmt(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]), 1)})`);
    console.log(`PostgreSQL          ${fmt(sent.roundTrips)} round trips, ${fmt(sent.statements)} statements: ${fmt(sent.roundTrips / records, 3)} round trips and ${fmt(sent.statements / records, 3)} statements per record`);
    console.log(`batch commit (ms)   p50 ${fmt(percentile(latencies, 50), 1)}  p99 ${fmt(percentile(latencies, 99), 1)}  max ${fmt(latencies.at(-1) ?? Number.NaN, 1)}  (${latencies.length} transactions)`);
    if (profile !== null) {
      const dir = mkdtempSync(join(tmpdir(), 'sb-bench-migration-prof-'));
      try {
        const file = join(dir, 'import.cpuprofile');
        writeFileSync(file, JSON.stringify(profile));
        if (process.env['BENCH_PROFILE_KEEP']) writeFileSync(process.env['BENCH_PROFILE_KEEP'], JSON.stringify(profile));
        const summary = summarizeCpuProfile(file, process.cwd(), 0, Number.POSITIVE_INFINITY, 30);
        const share = (value: number) => `${((100 * value) / summary.totalMs).toFixed(1).padStart(5)}%`;
        console.log(`hub CPU during the import: ${fmt(summary.totalMs / 1000, 2)} s sampled; self time by area, then by function:`);
        for (const [area, value] of summary.byArea) console.log(`  ${share(value)}  ${area}`);
        for (const [name, value] of summary.byFunction) console.log(`  ${share(value)}  ${name}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`\nimport ÷ raw = ${fmt(records / seconds / rawRate, 3)}×   (records/s over raw rows/s of the same tables, raw: mean of before and after ${fmt(rawRate)} rows/s)`);
  } finally {
    await store.close();
    await pg.drop();
    await db.drop();
    await server.stop();
  }
};
