import { performance } from 'node:perf_hooks';
import { buildEntry, DeskQueries, newId, type Conversation, type Customer, type Interaction } from '@switchboard/core';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/tests';
import pg from 'pg';
import { intFromEnv } from './bench-env.js';

// The first timeline page of a customer with 10,000 interactions across 100 conversations, one
// merge deep (half of them written under a customer merged into this one), read through the core
// (DeskQueries.timeline on PostgreSQL), against the raw baseline: the same first page of one
// customer straight from its index with pg. Usage: npm run bench -- timeline
// (env: BENCH_TIMELINE_ENTRIES=10000, BENCH_TIMELINE_CONVERSATIONS=100, BENCH_TIMELINE_READS=500, BENCH_TIMELINE_PAGE=50)

const ENTRIES = intFromEnv('BENCH_TIMELINE_ENTRIES', 10_000);
const CONVERSATIONS = intFromEnv('BENCH_TIMELINE_CONVERSATIONS', 100);
const READS = intFromEnv('BENCH_TIMELINE_READS', 500);
const PAGE = intFromEnv('BENCH_TIMELINE_PAGE', 50);

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

const time = async (count: number, op: () => Promise<unknown>): Promise<number[]> => {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    await op();
    latencies.push(performance.now() - start);
  }
  return latencies.sort((a, b) => a - b);
};

export const runTimelineBench = async (): Promise<void> => {
  console.log(`switchboard timeline benchmark: ${ENTRIES} interactions across ${CONVERSATIONS} conversations, one merge deep; ${READS} reads of a ${PAGE}-entry first page; node ${process.version}`);
  const db = await createTestDatabase();
  const store = createPostgresStore({ url: db.url, poolSize: 4 });
  const raw = new pg.Pool({ connectionString: db.url, max: 1 });
  try {
    await store.migrate();
    const now = new Date();
    const customer = (id: string, mergedInto: string | null): Customer => ({ id, displayName: null, attributes: {}, mergedInto, createdAt: now, updatedAt: now });
    const survivor = customer(newId(), null);
    const merged = customer(newId(), survivor.id);
    await store.transaction((s) => s.customers.insertMany([survivor, merged]));
    const perConversation = Math.ceil(ENTRIES / CONVERSATIONS);
    const start = Date.now() - ENTRIES * 60_000;
    for (let c = 0; c < CONVERSATIONS; c += 1) {
      const owner = c % 2 === 0 ? survivor.id : merged.id;
      const conversation: Conversation = {
        id: newId(), customerId: owner, status: 'resolved', queueId: null, priority: 0, channels: ['email', 'chat'], hops: 0,
        assignment: null, lastInboundChannel: 'email', lastInboundAt: now, firstResponseAt: null, resolvedAt: now, createdAt: now, updatedAt: now,
      };
      const chain: Interaction[] = [];
      for (let i = 0; i < perConversation; i += 1) {
        // interleaved in time across conversations, as a customer's real history is
        const at = new Date(start + (i * CONVERSATIONS + c) * 60_000);
        chain.push(
          buildEntry(conversation, { channel: i % 3 === 0 ? 'chat' : 'email', direction: i % 2 === 0 ? 'inbound' : 'outbound', type: 'message', text: `message ${i} of ${c}`, occurredAt: at }, chain.at(-1) ?? null, at),
        );
      }
      await store.transaction(async (s) => {
        await s.conversations.insert(conversation);
        await s.interactions.insertMany(chain);
      });
    }
    await raw.query('ANALYZE');
    const queries = new DeskQueries(store);
    const first = await queries.timeline(survivor.id, { limit: PAGE });
    if (first.items.length !== PAGE) throw new Error(`the first page held ${first.items.length} entries, not ${PAGE}`);

    const rawPage = () =>
      raw.query('SELECT * FROM interactions WHERE customer_id = $1 ORDER BY occurred_at DESC, recorded_at DESC, id DESC LIMIT $2', [survivor.id, PAGE]);
    await time(50, rawPage);
    await time(50, () => queries.timeline(survivor.id, { limit: PAGE }));
    const rawBefore = await time(READS, rawPage);
    const core = await time(READS, () => queries.timeline(survivor.id, { limit: PAGE }));
    const rawAfter = await time(READS, rawPage);
    const rawAll = [...rawBefore, ...rawAfter].sort((a, b) => a - b);

    const row = (name: string, l: number[]) => `${name.padEnd(44)} ${percentile(l, 50).toFixed(2).padStart(8)} ${percentile(l, 99).toFixed(2).padStart(8)}`;
    console.log(`\n${''.padEnd(44)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    console.log(row('timeline first page (core, 2 customers)', core));
    console.log(row('raw first page (pg, 1 customer, index)', rawAll));
    console.log(
      `\ntimeline p99 ÷ raw p99 = ${(percentile(core, 99) / percentile(rawAll, 99)).toFixed(2)}×, p50 ratio ${(percentile(core, 50) / percentile(rawAll, 50)).toFixed(2)}×   (target: p99 < 20 ms)`,
    );
    if (percentile(core, 99) >= 20) process.exitCode = 1;
  } finally {
    await raw.end();
    await store.close();
    await db.drop();
  }
};
