import { performance } from 'node:perf_hooks';
import { CustomerQueries } from '@switchboard/core';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';

// Identity resolution against a large identities table on PostgreSQL: the hub's lookup
// (`CustomerQueries.customersByIdentity`: normalise, find the identity, follow merges to the
// survivor, read its identities) against the raw indexed point lookup on the same table, in the
// same run. Usage: npm run bench -- identity   (env: BENCH_IDENTITIES=1000000, BENCH_LOOKUPS=5000)

const IDENTITIES = intFromEnv('BENCH_IDENTITIES', 1_000_000);
const LOOKUPS = intFromEnv('BENCH_LOOKUPS', 5_000);
const WARMUP = Math.min(1000, Math.max(50, Math.floor(LOOKUPS / 5)));

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const timeEach = async (count: number, run: (i: number) => Promise<unknown>): Promise<number[]> => {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await run(i);
    latencies.push(performance.now() - start);
  }
  return latencies.sort((a, b) => a - b);
};

// A deterministic spread of keys over the whole table, the same for both sides.
const keyAt = (i: number) => 1 + ((i * 7_919 + 13) % IDENTITIES);

export const runIdentityBench = async (): Promise<void> => {
  console.log(`identity resolution: ${IDENTITIES.toLocaleString('en')} identities on PostgreSQL, ${LOOKUPS} lookups each side, one at a time`);
  const db = await createTestDatabase();
  const store = createPostgresStore({ url: db.url, poolSize: 4 });
  try {
    await store.migrate();
    const started = performance.now();
    // Set-based generation: one customer per identity; every tenth customer has a second identity (a phone).
    await db.pool.query(
      `INSERT INTO customers (id, display_name, attributes, merged_into, created_at, updated_at)
       SELECT md5('c' || i)::uuid, 'Customer ' || i, '{}'::jsonb, NULL, now(), now() FROM generate_series(1, $1) AS i`,
      [IDENTITIES],
    );
    await db.pool.query(
      `INSERT INTO identities (kind, value, customer_id, verified, created_at)
       SELECT 'email', 'user' || i || '@example.com', md5('c' || i)::uuid, false, now() FROM generate_series(1, $1) AS i`,
      [IDENTITIES],
    );
    await db.pool.query(
      `INSERT INTO identities (kind, value, customer_id, verified, created_at)
       SELECT 'phone', '+4420' || lpad(i::text, 8, '0'), md5('c' || i)::uuid, false, now() FROM generate_series(10, $1, 10) AS i`,
      [IDENTITIES],
    );
    await db.pool.query('ANALYZE customers; ANALYZE identities');
    console.log(`  data: ${((performance.now() - started) / 1000).toFixed(1)} s to generate`);

    const queries = new CustomerQueries(store);
    const raw = (i: number) => db.pool.query('SELECT customer_id FROM identities WHERE kind = $1 AND value = $2', ['email', `user${keyAt(i)}@example.com`]);
    const hub = async (i: number) => {
      const [found] = await queries.customersByIdentity(`email:User${keyAt(i)}@Example.com`);
      if (!found) throw new Error(`identity ${keyAt(i)} not found`);
    };
    await timeEach(WARMUP, raw);
    await timeEach(WARMUP, hub);
    // Raw before and after the hub's run, so drift on a shared machine shows.
    const rawBefore = await timeEach(LOOKUPS, raw);
    const hubRun = await timeEach(LOOKUPS, hub);
    const rawAfter = await timeEach(LOOKUPS, raw);
    const rawAll = [...rawBefore, ...rawAfter].sort((a, b) => a - b);
    const line = (name: string, sorted: number[]) =>
      `  ${name.padEnd(28)} p50 ${percentile(sorted, 50).toFixed(3)} ms  p99 ${percentile(sorted, 99).toFixed(3)} ms  max ${percentile(sorted, 100).toFixed(3)} ms`;
    console.log(line('raw point lookup (before)', rawBefore));
    console.log(line('hub identity lookup', hubRun));
    console.log(line('raw point lookup (after)', rawAfter));
    const ratio = (p: number) => percentile(hubRun, p) / percentile(rawAll, p);
    console.log(`  ratio hub ÷ raw: p50 ${ratio(50).toFixed(2)}×, p99 ${ratio(99).toFixed(2)}×  (targets: hub p99 < 5 ms and ≤ 3× raw p99)`);
  } finally {
    await store.close();
    await db.drop();
  }
};
