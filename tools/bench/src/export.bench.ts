import { performance } from 'node:perf_hooks';
import {
  buildEntry,
  EXPORT_SECTIONS,
  exportHub,
  newId,
  restoreHub,
  systemClock,
  type Conversation,
  type Customer,
  type Identity,
  type Interaction,
} from '@switchboard/core';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase } from '@switchboard/tests';
import pg from 'pg';
import { intFromEnv } from './bench-env.js';

// Export and import of a whole hub on PostgreSQL, against raw baselines measured in the same run:
// - export: exportHub (keyset pages through the store, JSON Lines, SHA-256) vs pg reading the same
//   tables by primary key in pages of the same size and JSON.stringify-ing each row;
// - import: restoreHub into a fresh database (verify pass + batched writes) vs pg inserting the
//   same rows with INSERT … SELECT FROM json_populate_recordset in batches of the same size.
// Usage: npm run bench -- export   (env: BENCH_EXPORT_ENTRIES=50000, BENCH_EXPORT_CONVERSATIONS=1000)

const ENTRIES = intFromEnv('BENCH_EXPORT_ENTRIES', 50_000);
const CONVERSATIONS = intFromEnv('BENCH_EXPORT_CONVERSATIONS', 1_000);
const PAGE = 500;

const TABLES: readonly { table: string; key: string }[] = [
  { table: 'queues', key: 'id' },
  { table: 'agents', key: 'id' },
  { table: 'customers', key: 'id' },
  { table: 'identities', key: 'kind, value' },
  { table: 'customer_merges', key: 'id' },
  { table: 'merge_suggestions', key: 'id' },
  { table: 'conversations', key: 'id' },
  { table: 'interactions', key: 'conversation_id, seq' },
  { table: 'inbound_receipts', key: 'channel, external_id' },
  { table: 'deliveries', key: 'interaction_id' },
  { table: 'work_items', key: 'conversation_id' },
  { table: 'offers', key: 'id' },
  { table: 'assignments', key: 'id' },
  { table: 'routing_decisions', key: 'id' },
  { table: 'sla_verdicts', key: 'conversation_id, kind' },
];

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

interface Run {
  name: string;
  records: number;
  ms: number;
  cpuMs: number;
  /** Latency of each page read (export) or batch written (import), sorted. */
  steps: number[];
}

const measure = async (name: string, work: (step: (ms: number) => void) => Promise<number>): Promise<Run> => {
  const steps: number[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  const records = await work((ms) => steps.push(ms));
  return { name, records, ms: performance.now() - start, cpuMs: cpuMs(cpu), steps: steps.sort((a, b) => a - b) };
};

const seed = async (url: string): Promise<void> => {
  const store = createPostgresStore({ url, poolSize: 2 });
  try {
    await store.migrate();
    const now = new Date();
    const perConversation = Math.ceil(ENTRIES / CONVERSATIONS);
    for (let c = 0; c < CONVERSATIONS; c += 1) {
      const customer: Customer = { id: newId(), displayName: `Customer ${c} Ünïcode`, attributes: { tier: c % 3 === 0 ? 'gold' : 'basic' }, mergedInto: null, createdAt: now, updatedAt: now };
      const identity: Identity = { kind: 'email', value: `customer-${c}@example.com`, customerId: customer.id, verified: false, createdAt: now };
      const conversation: Conversation = {
        id: newId(), customerId: customer.id, status: 'resolved', queueId: null, priority: 0, channels: ['email'], hops: 0, handoffs: 0,
        assignment: null, lastInboundChannel: 'email', lastInboundAt: now, firstResponseAt: null, resolvedAt: now, createdAt: now, updatedAt: now,
      };
      const chain: Interaction[] = [];
      for (let i = 0; i < perConversation; i += 1) {
        const at = new Date(now.getTime() - (perConversation - i) * 60_000);
        const text = `Message ${i} of conversation ${c}: ${'lorem ipsum dolor sit amet '.repeat(8)}`;
        chain.push(buildEntry(conversation, { channel: 'email', direction: i % 2 === 0 ? 'inbound' : 'outbound', type: 'message', subject: `Order ${c}`, text, externalId: `<${c}-${i}@example.com>`, occurredAt: at }, chain.at(-1) ?? null, at));
      }
      await store.transaction(async (s) => {
        await s.customers.insert(customer);
        await s.identities.insert(identity);
        await s.conversations.insert(conversation);
        await s.interactions.insertMany(chain);
      });
    }
  } finally {
    await store.close();
  }
};

/** The raw export: every table by key in pages of PAGE, each row as a JSON line. Answers the lines, by table. */
const rawExport = async (pool: pg.Pool, step: (ms: number) => void): Promise<Map<string, unknown[]>> => {
  const rows = new Map<string, unknown[]>();
  for (const { table, key } of TABLES) {
    const all: unknown[] = [];
    const keys = key.split(', ');
    let after: unknown[] | null = null;
    for (;;) {
      const start = performance.now();
      const where: string = after === null ? '' : `WHERE (${key}) > (${keys.map((_, i) => `$${i + 2}`).join(', ')})`;
      const result: pg.QueryResult<Record<string, unknown>> = await pool.query(`SELECT * FROM ${table} ${where} ORDER BY ${key} LIMIT $1`, [PAGE, ...(after ?? [])]);
      for (const row of result.rows) {
        JSON.stringify(row);
        all.push(row);
      }
      step(performance.now() - start);
      if (result.rows.length < PAGE) break;
      const last = result.rows.at(-1)!;
      after = keys.map((k) => last[k]);
    }
    rows.set(table, all);
  }
  return rows;
};

const rawImport = async (pool: pg.Pool, rows: Map<string, unknown[]>, step: (ms: number) => void): Promise<number> => {
  let count = 0;
  for (const { table } of TABLES) {
    const all = rows.get(table) ?? [];
    for (let i = 0; i < all.length; i += PAGE) {
      const start = performance.now();
      const batch = all.slice(i, i + PAGE);
      // The generated search column is left out: PostgreSQL computes it.
      const columns = Object.keys(batch[0] as object).filter((c) => c !== 'search');
      const list = columns.map((c) => `"${c}"`).join(', ');
      await pool.query(`INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(null::${table}, $1::json)`, [JSON.stringify(batch)]);
      count += batch.length;
      step(performance.now() - start);
    }
  }
  return count;
};

export const runExportBench = async (): Promise<void> => {
  console.log(`switchboard export/import benchmark: ${ENTRIES} interactions in ${CONVERSATIONS} conversations on PostgreSQL, pages and batches of ${PAGE}; node ${process.version}`);
  const source = await createTestDatabase();
  const target = await createTestDatabase();
  const rawTarget = await createTestDatabase();
  const store = createPostgresStore({ url: source.url, poolSize: 2 });
  const targetStore = createPostgresStore({ url: target.url, poolSize: 2 });
  const pool = new pg.Pool({ connectionString: source.url, max: 1 });
  const rawPool = new pg.Pool({ connectionString: rawTarget.url, max: 1 });
  try {
    await seed(source.url);
    await targetStore.migrate();
    // The raw target gets the same schema, without the ledger's append-only triggers mattering (inserts only).
    const rawStore = createPostgresStore({ url: rawTarget.url, poolSize: 1 });
    await rawStore.migrate();
    await rawStore.close();
    await pool.query('ANALYZE');

    const lines: string[] = [];
    const exportOnce = (keep: boolean) =>
      measure('export (hub, JSON Lines + SHA-256)', async (step) => {
        // A step is the time of each PAGE records written, as a raw step is a page read.
        let records = -2;
        let since = performance.now();
        for await (const line of exportHub(store, { clock: systemClock, hubVersion: 'bench', pageSize: PAGE })) {
          if (keep) lines.push(line.slice(0, -1));
          records += 1;
          if (records > 0 && records % PAGE === 0) {
            const now = performance.now();
            step(now - since);
            since = now;
          }
        }
        return records;
      });
    const rawExportOnce = () => measure('export (raw pg pages + JSON.stringify)', async (step) => [...(await rawExport(pool, step)).values()].reduce((n, r) => n + r.length, 0));

    // warm both sides once, then raw, hub, raw
    await rawExportOnce();
    await exportOnce(false);
    const rawBefore = await rawExportOnce();
    const hubExport = await exportOnce(true);
    const rawAfter = await rawExportOnce();

    const rows = await rawExport(pool, () => {});
    const hubImport = await measure('import (hub: verify + batched writes)', async (step) => {
      let last = performance.now();
      const result = await restoreHub(targetStore, () => (async function* () { yield* lines; })(), {
        batchSize: PAGE,
        onProgress: (p) => {
          if (p.phase !== 'write') return;
          const now = performance.now();
          step(now - last);
          last = now;
        },
      });
      return result.records;
    });
    const rawImportRun = await measure('import (raw pg json_populate_recordset)', (step) => rawImport(rawPool, rows, step));

    const line = (run: Run) =>
      `${run.name.padEnd(44)} ${String(run.records).padStart(8)} ${Math.round((run.records / run.ms) * 1000).toString().padStart(10)} ${(run.cpuMs / run.records * 1000).toFixed(1).padStart(10)} ${percentile(run.steps, 50).toFixed(2).padStart(8)} ${percentile(run.steps, 99).toFixed(2).padStart(8)}`;
    console.log(`\n${''.padEnd(44)} ${'records'.padStart(8)} ${'records/s'.padStart(10)} ${'CPU µs/rec'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
    for (const run of [rawBefore, hubExport, rawAfter, hubImport, rawImportRun]) console.log(line(run));
    const rate = (run: Run) => run.records / run.ms;
    const rawExportRate = (rate(rawBefore) + rate(rawAfter)) / 2;
    console.log(`\nexport: hub ÷ raw = ${(rate(hubExport) / rawExportRate).toFixed(2)}× (mean of the raw runs before and after)`);
    console.log(`import: hub ÷ raw = ${(rate(hubImport) / rate(rawImportRun)).toFixed(2)}× (the hub reads the file twice: verify, then write)`);
    console.log(`sections: ${EXPORT_SECTIONS.join(', ')}; export file ${(lines.reduce((n, l) => n + l.length + 1, 0) / 1048576).toFixed(1)} MiB`);
  } finally {
    await pool.end();
    await rawPool.end();
    await store.close();
    await targetStore.close();
    await source.drop();
    await target.drop();
    await rawTarget.drop();
  }
};
