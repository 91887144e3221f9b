import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { IngestInbound, SyncCrm, crmRegistry, newId, systemClock, type CrmLogEntry } from '@switchboard/core';
import { HubspotClient, HubspotCrmConnector } from '@switchboard/crm-hubspot';
import { HubspotFake } from '@switchboard/crm-hubspot/testing';
import { createPostgresStore } from '@switchboard/storage-postgres';
import { createTestDatabase, mapConcurrent } from '@switchboard/tests';
import { intFromEnv } from './bench-env.js';
import { printProfileSummary, summarizeCpuProfile } from './cpu-profile.js';
import { cpuSeconds } from './process-cpu.js';
import { pgSent } from './pg-sent.js';

// CRM sync: ledger entries logged to HubSpot (the loopback fake) per second by SyncCrm — take the
// entry's crm_log row, build the summary, POST the engagement with its association, record the
// answer, in order per customer, several customers at once as the sync job runs them — against the
// raw baseline: the same POSTs made directly to the same fake, at the same concurrency.
// Usage: npm run bench -- crm   (env: BENCH_CRM_CUSTOMERS=40, BENCH_CRM_MESSAGES=25,
//        BENCH_CRM_CONCURRENCY=4 (the job's), BENCH_CRM_LATENCY_MS=0 added by the fake to each answer,
//        BENCH_PROFILE=1 to print where this process's CPU goes while SyncCrm runs)
// CPU per entry is printed for this process (the fake's share included, on both sides) and for the
// PostgreSQL backends of the bench's database, with the round trips and statements SyncCrm sent.

const CUSTOMERS = intFromEnv('BENCH_CRM_CUSTOMERS', 40);
const MESSAGES = intFromEnv('BENCH_CRM_MESSAGES', 25);
const CONCURRENCY = intFromEnv('BENCH_CRM_CONCURRENCY', 4);
const LATENCY_MS = process.env['BENCH_CRM_LATENCY_MS'] ? Number(process.env['BENCH_CRM_LATENCY_MS']) : 0;
const TOKEN = 'pat-bench';
// BENCH_PROFILE=1: CPU-profile this process while SyncCrm runs (the fake included) and print where its time goes.
const PROFILE = process.env['BENCH_PROFILE'] === '1';
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const sent = pgSent;

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

interface Measured {
  perSecond: number;
  p50: number;
  p99: number;
  cpuMicrosPerOp: number;
  /** CPU of the PostgreSQL backends serving the bench's database, per op. */
  pgMicrosPerOp: number;
  roundTripsPerOp: number;
  statementsPerOp: number;
}

const measure = async (count: number, backends: () => Promise<number[]>, run: (latencies: number[]) => Promise<void>): Promise<Measured> => {
  const latencies: number[] = [];
  const pg0 = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid) ?? 0]));
  const cpu = process.cpuUsage();
  sent.roundTrips = 0;
  sent.statements = 0;
  sent.counting = true;
  const started = performance.now();
  await run(latencies);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  sent.counting = false;
  // A backend the pool opened meanwhile counts from zero (one that closed is lost: the pool keeps them).
  let pg = 0;
  for (const pid of new Set([...pg0.keys(), ...(await backends())])) pg += (cpuSeconds(pid) ?? pg0.get(pid) ?? 0) - (pg0.get(pid) ?? 0);
  latencies.sort((a, b) => a - b);
  return {
    perSecond: count / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMicrosPerOp: (used.user + used.system) / count,
    pgMicrosPerOp: (pg * 1e6) / count,
    roundTripsPerOp: sent.roundTrips / count,
    statementsPerOp: sent.statements / count,
  };
};

export const runCrmBench = async (): Promise<void> => {
  const fake = new HubspotFake({ token: TOKEN });
  fake.latencyMs = LATENCY_MS;
  const [db] = await Promise.all([createTestDatabase(), fake.start()]);
  const store = createPostgresStore({ url: db.url });
  try {
    await store.migrate();
    const client = new HubspotClient({ apiBaseUrl: fake.url, token: () => TOKEN, perTenSeconds: 1_000_000 });
    const crm = new HubspotCrmConnector(client, { policy: { match: ['email'], createContacts: false, logInteractions: true, eraseInCrm: false }, appUrl: 'https://app.hubspot.com', portalId: 1 });
    const crms = crmRegistry([{ instanceId: 'hubspot', crm }]);
    const sync = new SyncCrm(store, systemClock, crms, {});
    const ingest = new IngestInbound(store, systemClock, { continuityWindowSeconds: 3600, channelQueues: {} });

    // Customers linked to their contacts, each with MESSAGES email messages in the ledger.
    const seed = async (round: string) => {
      const customers: string[] = [];
      const contacts = new Map<string, string>();
      for (let c = 0; c < CUSTOMERS; c += 1) {
        const email = `bench-${round}-${c}@example.com`;
        const contact = fake.addContact({ email });
        let customerId = '';
        for (let m = 0; m < MESSAGES; m += 1) {
          customerId = (await ingest.ingest({ channel: 'email', externalId: `${round}-${c}-${m}`, from: { kind: 'email', value: email }, subject: 'Order', text: `message ${m} `.repeat(20), routing: 'record' })).customerId;
        }
        customers.push(customerId);
        contacts.set(customerId, contact.id);
        await store.transaction((s) => s.identities.insert({ kind: 'crm', value: `hubspot:${contact.id}`, customerId, verified: true, createdAt: new Date() }));
      }
      const entries = await store.read((s) => s.interactions.timeline(customers, {}, { limit: 200 }).then(async (first) => {
        const all = [...first.items];
        let cursor = first.nextCursor;
        while (cursor) {
          const page = await s.interactions.timeline(customers, {}, { limit: 200, cursor });
          all.push(...page.items);
          cursor = page.nextCursor;
        }
        return all.reverse();
      }));
      const now = new Date();
      await store.transaction((s) =>
        s.crmLog.addMany(
          entries.map((i): CrmLogEntry => ({ instanceId: 'hubspot', interactionId: i.id, customerId: i.customerId, conversationId: i.conversationId, kind: 'entry', status: 'pending', attempts: 0, leaseUntil: null, contactId: null, activityId: null, lastError: null, createdAt: now, updatedAt: now })),
        ),
      );
      return { customers, contacts, entries };
    };

    const total = CUSTOMERS * MESSAGES;
    const rawBody = (contactId: string, i: number) => ({
      properties: { hs_timestamp: new Date().toISOString(), hs_email_direction: 'INCOMING_EMAIL', hs_email_status: 'SENT', hs_email_subject: 'Order', hs_email_text: `message ${i} `.repeat(20), hs_email_headers: '{}' },
      associations: [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 198 }] }],
    });
    const rawRun = (contacts: string[]) => (latencies: number[]) =>
      mapConcurrent(
        Array.from({ length: total }, (_, i) => i),
        CONCURRENCY,
        async (i) => {
          const t0 = performance.now();
          const response = await fetch(`${fake.url}/crm/v3/objects/emails`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(rawBody(contacts[i % contacts.length]!, i)) });
          await response.arrayBuffer();
          if (response.status !== 201) throw new Error(`raw POST answered ${response.status}`);
          latencies.push(performance.now() - t0);
        },
      ).then(() => undefined);
    const syncRun = (customers: string[]) => (latencies: number[]) =>
      mapConcurrent(customers, CONCURRENCY, async (customerId) => {
        const t0 = performance.now();
        const report = await sync.syncCustomer('hubspot', customerId);
        if (report.logged !== MESSAGES) throw new Error(`customer ${customerId}: logged ${report.logged} of ${MESSAGES}`);
        // Per entry: the customer's time spread over its entries.
        const each = (performance.now() - t0) / MESSAGES;
        for (let m = 0; m < MESSAGES; m += 1) latencies.push(each);
      }).then(() => undefined);

    // The backends serving this fresh database are this run's alone.
    const backends = async () => (await store.sql<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).map((b) => Number(b.pid));
    // Warm both paths (JIT, pools, keep-alive), then measure on fresh data.
    const warm = await seed('warm');
    await measure(total, backends, rawRun([...warm.contacts.values()]));
    await measure(total, backends, syncRun(warm.customers));
    const run = await seed(`run-${newId().slice(0, 6)}`);
    const createdBefore = fake.engagementCreates().length;
    const raw = await measure(total, backends, rawRun([...run.contacts.values()]));
    const profiler = PROFILE ? new Session() : null;
    if (profiler) {
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
    }
    const hub = await measure(total, backends, syncRun(run.customers));
    const profile = profiler ? (await profiler.post('Profiler.stop')).profile : null;
    profiler?.disconnect();
    const created = fake.engagementCreates().length - createdBefore;
    if (created !== 2 * total) throw new Error(`expected ${2 * total} engagements at the fake, saw ${created}`);

    const f = (n: number) => n.toFixed(1);
    console.log(`## crm: entries logged to HubSpot (loopback fake${LATENCY_MS ? `, +${LATENCY_MS} ms per answer` : ''}), ${CUSTOMERS} customers × ${MESSAGES} entries, concurrency ${CONCURRENCY}, PostgreSQL`);
    const cpu = (m: Measured) => `cpu ${f(m.cpuMicrosPerOp)} µs/op here + ${f(m.pgMicrosPerOp)} µs/op in PostgreSQL`;
    console.log(`raw POST /crm/v3/objects/emails : ${f(raw.perSecond)}/s  p50 ${f(raw.p50)} ms  p99 ${f(raw.p99)} ms  ${cpu(raw)}`);
    console.log(`SyncCrm (claim, log, record)    : ${f(hub.perSecond)}/s  p50 ${f(hub.p50)} ms  p99 ${f(hub.p99)} ms  ${cpu(hub)} (per entry; latencies are a customer's time per entry)`);
    console.log(`SyncCrm PostgreSQL              : ${hub.roundTripsPerOp.toFixed(3)} round trips, ${hub.statementsPerOp.toFixed(3)} statements per entry`);
    console.log(`ratio (sync / raw)              : throughput ${(hub.perSecond / raw.perSecond).toFixed(2)}x (target ≥ 0.5x); CPU per entry ${((hub.cpuMicrosPerOp + hub.pgMicrosPerOp) / raw.cpuMicrosPerOp).toFixed(2)}x raw's (this process includes the fake; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`);
    if (profile) {
      const dir = mkdtempSync(join(tmpdir(), 'crm-profile-'));
      try {
        writeFileSync(join(dir, 'sync.cpuprofile'), JSON.stringify(profile));
        printProfileSummary('this process while SyncCrm ran (the HubSpot fake included)', summarizeCpuProfile(join(dir, 'sync.cpuprofile'), REPO_ROOT, 0, Number.POSITIVE_INFINITY, 30));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await store.close();
    await Promise.all([fake.stop(), db.drop()]);
  }
};
