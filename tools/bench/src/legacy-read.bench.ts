import { performance } from 'node:perf_hooks';
import mysql from 'mysql2';
import mysqlPromise from 'mysql2/promise';
import { OsticketLegacySource } from '@switchboard/legacy-osticket';
import { createMariadbDatabase, createOsticketSchema, generateOsticketData, openTestMariadb } from '@switchboard/legacy-osticket/testing';
import { intFromEnv } from './bench-env.js';

const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** The baseline: every row of the entry tables streamed with mysql2, nothing done with them. */
const rawStream = (options: mysql.ConnectionOptions, sql: string): Promise<{ rows: number; seconds: number }> =>
  new Promise((resolve, reject) => {
    const connection = mysql.createConnection(options);
    const started = performance.now();
    let rows = 0;
    connection
      .query(sql)
      .stream({ highWaterMark: 1000 })
      .on('data', () => {
        rows += 1;
      })
      .on('error', reject)
      .on('end', () => {
        const seconds = (performance.now() - started) / 1000;
        connection.end(() => resolve({ rows, seconds }));
      });
  });

/**
 * Legacy read: the osTicket source's `read('entry')` rate (pages of BENCH_LEGACY_PAGE) on generated
 * data (BENCH_LEGACY_ENTRIES entries), next to the raw mysql2 streaming rate of the same rows in the
 * same run (the mean of one raw run before and one after). Page latency percentiles.
 */
export const runLegacyReadBench = async (): Promise<void> => {
  const ENTRIES = intFromEnv('BENCH_LEGACY_ENTRIES', 100_000);
  const PAGE = intFromEnv('BENCH_LEGACY_PAGE', 1000);
  const server = await openTestMariadb();
  const db = await createMariadbDatabase(server);
  try {
    const options = { host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, charset: 'utf8mb4', dateStrings: true } as const;
    console.log(`switchboard legacy read benchmark: ${fmt(ENTRIES)} osTicket thread entries, pages of ${PAGE}; MariaDB ${server.kind} on ${db.host}:${db.port}; node ${process.version}`);
    const connection = await mysqlPromise.createConnection(options);
    const generated = performance.now();
    await createOsticketSchema(connection);
    const summary = await generateOsticketData(connection, { users: Math.max(10, Math.floor(ENTRIES / 20)), tickets: Math.max(10, Math.floor(ENTRIES / 10)), entries: ENTRIES, seed: 1 });
    await connection.end();
    console.log(`generated ${fmt(summary.counts.user)} users, ${fmt(summary.counts.ticket)} tickets, ${fmt(summary.counts.entry)} entries in ${fmt((performance.now() - generated) / 1000, 1)} s\n`);

    const rawSql = 'SELECT e.*, em.mid, em.headers FROM ost_thread_entry e LEFT JOIN ost_thread_entry_email em ON em.thread_entry_id = e.id';
    const before = await rawStream(options, rawSql);

    const source = new OsticketLegacySource({ ...options, tablePrefix: 'ost_', timezone: 'Z' });
    const latencies: number[] = [];
    let records = 0;
    let failures = 0;
    let cursor: string | null = null;
    const started = performance.now();
    do {
      const t0 = performance.now();
      const page = await source.read('entry', cursor, PAGE);
      latencies.push(performance.now() - t0);
      records += page.records.length;
      failures += page.failures?.length ?? 0;
      cursor = page.nextCursor;
    } while (cursor !== null);
    const seconds = (performance.now() - started) / 1000;
    await source.close();

    const after = await rawStream(options, rawSql);
    const rawRate = (before.rows / before.seconds + after.rows / after.seconds) / 2;
    const rate = records / seconds;
    latencies.sort((a, b) => a - b);
    console.log(`raw mysql2 stream   ${fmt(before.rows)} rows: ${fmt(before.rows / before.seconds)} rows/s before, ${fmt(after.rows / after.seconds)} rows/s after`);
    console.log(`source read(entry)  ${fmt(records)} records, ${failures} failures in ${fmt(seconds, 2)} s: ${fmt(rate)} entries/s`);
    console.log(`page latency (ms)   p50 ${fmt(percentile(latencies, 50), 1)}  p95 ${fmt(percentile(latencies, 95), 1)}  p99 ${fmt(percentile(latencies, 99), 1)}  max ${fmt(latencies.at(-1) ?? Number.NaN, 1)}`);
    console.log(`\nsource ÷ raw = ${fmt(rate / rawRate, 3)}×   (raw: mean of before and after, ${fmt(rawRate)} rows/s)`);
  } finally {
    await db.drop();
    await server.stop();
  }
};
