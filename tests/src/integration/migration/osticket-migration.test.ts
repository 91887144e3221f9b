import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResultSetHeader } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IngestInbound,
  LedgerQueries,
  ManageMigrations,
  ManageRouting,
  RunMigration,
  legacyExternalId,
  systemClock,
  type LegacySources,
  type MigrationRun,
  type ReconciliationReport,
} from '@switchboard/core';
import { openTestMariadb, type MariadbServer } from '@switchboard/legacy-osticket/testing';
import { createEmbeddedStore, createPostgresStore, type TypeormStore } from '@switchboard/storage-postgres';
import { createTestDatabase, type TestDatabase } from '@switchboard/storage-postgres/testing';
import { osticketDatabase, type OsticketDatabase } from './osticket-fixture.js';

// osTicket on a real MariaDB into PostgreSQL (a database per run) and PGlite, through the runner
// the hub's worker uses: full import, a SIGKILLed worker resumed, re-runs, deltas, demo, dry run.

const WORKER = fileURLToPath(new URL('./migration-worker.ts', import.meta.url));
const DATA = { users: 150, tickets: 300, entries: 2400, seed: 11 };
const BATCH = 100;
const ref = (entity: 'user' | 'ticket' | 'entry', n: number) => legacyExternalId('osticket', entity, n);

let server: MariadbServer;
let legacy: OsticketDatabase;
let database: TestDatabase;
let store: TypeormStore;
let sources: LegacySources;
let manage: ManageMigrations;
let runner: RunMigration;

const count = async (sql: string): Promise<number> => Number((await store.sql<{ n: string }>(sql))[0]?.n ?? 0);
const runToEnd = async (request: Parameters<ManageMigrations['start']>[0], on = { manage: () => manage, runner: () => runner }): Promise<{ run: MigrationRun; report: ReconciliationReport }> => {
  const started = await on.manage().start(request);
  const run = await on.runner().run(started.id);
  return { run: run!, report: await on.manage().report(started.id) };
};

/** Runs `migration-worker.ts` on a run and SIGKILLs it once the run has committed `afterRead` records. */
const killMidRun = async (runId: string, afterRead: number): Promise<number> => {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, MIGRATION_WORKER: JSON.stringify({ databaseUrl: database.url, osticket: legacy.options, runId, batchSize: BATCH }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    const run = await manage.get(runId);
    if (run.progress.read >= afterRead) break;
    if (child.exitCode !== null) throw new Error(`the worker ended before it was killed (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the worker made no progress: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  return (await manage.get(runId)).progress.read;
};

beforeAll(async () => {
  server = await openTestMariadb();
  legacy = await osticketDatabase(server, DATA);
  database = await createTestDatabase();
  store = createPostgresStore({ url: database.url, poolSize: 4 });
  await store.migrate();
  await new ManageRouting(store, systemClock).ensureDefaultQueue();
  sources = { find: (id) => (id === 'osticket' ? legacy.source : undefined), ids: () => ['osticket'] };
  manage = new ManageMigrations(store, sources, systemClock);
  runner = new RunMigration(store, sources, systemClock, { batchSize: BATCH, openTickets: 'queue' });
}, 240_000);

afterAll(async () => {
  await store?.close();
  await database?.drop();
  await legacy?.dispose();
  await server?.stop();
}, 120_000);

describe('osTicket → PostgreSQL migration', () => {
  it('resumes a full import after its worker is SIGKILLed mid-run, with no duplicates, every chain verifying', async () => {
    const started = await manage.start({ source: 'osticket', mode: 'full' });
    const readAtKill = await killMidRun(started.id, 700);
    const killed = await manage.get(started.id);
    expect(killed.status).toBe('running');
    expect(readAtKill).toBeLessThan(DATA.users + DATA.tickets + DATA.entries);
    // Another worker takes the run over from its last checkpoint.
    const run = await runner.run(started.id);
    expect(run?.status).toBe('done');
    const report = await manage.report(started.id);
    const { counts } = legacy.summary;
    expect(report.entities['users']).toMatchObject({ source: counts.user, hub: counts.user, failed: 0 });
    expect(report.entities['tickets']).toMatchObject({ source: counts.ticket, hub: counts.ticket, failed: 0 });
    expect(report.entities['entries']).toMatchObject({ source: counts.entry, hub: counts.entry, failed: 0 });
    // Each record was read once across both workers: the checkpoint committed with each batch.
    for (const name of ['users', 'tickets', 'entries']) {
      const c = report.entities[name]!;
      expect(c.created + c.unchanged).toBe(c.source);
      expect(c.checksum.hub).toBe(c.checksum.source);
    }
    expect(await count('SELECT count(*) AS n FROM interactions')).toBe(counts.entry);
    expect(await count("SELECT count(*) AS n FROM legacy_map WHERE entity = 'entry'")).toBe(counts.entry);
    expect(await count('SELECT count(*) AS n FROM conversations')).toBe(counts.ticket);
    expect(await count("SELECT count(*) AS n FROM (SELECT sub.v FROM (SELECT data->'legacy'->>'id' AS v FROM interactions) sub GROUP BY sub.v HAVING count(*) > 1) d")).toBe(0);
    const verified = await new LedgerQueries(store).verifyAll();
    expect(verified.problems).toEqual([]);
    expect(verified).toMatchObject({ ok: true, entries: counts.entry });
    // Closed history is never routed: only open tickets got work items.
    const closed = legacy.summary.closedTickets.length;
    expect(await count('SELECT count(*) AS n FROM work_items')).toBe(counts.ticket - closed);
    expect(await count("SELECT count(*) AS n FROM conversations WHERE status = 'closed'")).toBe(closed);
    expect(await count("SELECT count(*) AS n FROM outbox_events WHERE event->>'type' NOT IN ('conversation.queued', 'migration.started', 'migration.progress', 'migration.finished')")).toBe(0);
  }, 300_000);

  it('keeps original times in source order and Message-IDs as the email channel does: a later reply threads in', async () => {
    const [mid] = [...legacy.summary.messageIds.entries()].filter(([entryId]) => !legacy.summary.internalNotes.includes(entryId));
    const [entryId, messageId] = mid!;
    const [mapping] = await store.read((s) => s.legacyMap.findMany([ref('entry', entryId)]));
    const entry = await store.read((s) => s.interactions.get(mapping!.hubId!));
    expect(entry?.externalId).toBe(messageId);
    const chain = await store.read((s) => s.interactions.listByConversation(entry!.conversationId));
    const times = chain.map((e) => e.occurredAt.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const conversation = await store.read((s) => s.conversations.get(entry!.conversationId));
    const ingest = new IngestInbound(store, systemClock, { continuityWindowSeconds: 0, channelQueues: {} });
    const reply = await ingest.ingest({ channel: 'email', externalId: `<reply-${entryId}@customer.example>`, from: { kind: 'email', value: 'replier@example.com' }, threadRefs: [messageId], threadScope: 'any', text: 'Thanks!' });
    if (conversation?.status !== 'closed') expect(reply.conversationId).toBe(entry?.conversationId);
    else expect(reply.conversationId).not.toBe(entry?.conversationId);
  });

  it('adds nothing on a re-run', async () => {
    const before = await count('SELECT count(*) AS n FROM interactions');
    const { report } = await runToEnd({ source: 'osticket', mode: 'full' });
    for (const name of ['users', 'tickets', 'entries']) expect(report.entities[name]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(await count('SELECT count(*) AS n FROM interactions')).toBe(before);
  }, 120_000);

  it('a delta picks up exactly the changes made in osTicket, by its own markers', async () => {
    const later = '2025-06-01 10:00:00';
    const [ticket] = await legacy.sql.query<ResultSetHeader>("INSERT INTO ost_ticket (number, user_id, status_id, dept_id, topic_id, source, created, updated) VALUES ('777001', 2, 1, 1, 1, 'Email', ?, ?)", [later, later]);
    await legacy.sql.query("INSERT INTO ost_ticket__cdata (ticket_id, subject, priority) VALUES (?, 'Neu: Drucker', '2')", [ticket.insertId]);
    const [thread] = await legacy.sql.query<ResultSetHeader>("INSERT INTO ost_thread (object_id, object_type, created) VALUES (?, 'T', ?)", [ticket.insertId, later]);
    const [first] = await legacy.sql.query<ResultSetHeader>("INSERT INTO ost_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (?, 2, 'M', 'Der Drucker', 'text', ?, ?)", [thread.insertId, later, later]);
    // An entry on an old ticket whose ticket row is left alone (osTicket's `updated` untouched).
    const [oldThread] = await legacy.sql.query<{ id: number; object_id: number }[] & import('mysql2').RowDataPacket[]>("SELECT id, object_id FROM ost_thread WHERE object_type = 'T' ORDER BY id LIMIT 1");
    const [onOld] = await legacy.sql.query<ResultSetHeader>("INSERT INTO ost_thread_entry (thread_id, user_id, type, body, format, created, updated) VALUES (?, 0, 'R', '<p>Done</p>', 'html', ?, '0000-00-00 00:00:00')", [oldThread[0]!.id, later]);
    const open = Array.from({ length: DATA.tickets }, (_, n) => n + 1).find((n) => !legacy.summary.closedTickets.includes(n) && n !== oldThread[0]!.object_id)!;
    await legacy.sql.query('UPDATE ost_ticket SET status_id = 3, closed = ?, updated = ? WHERE ticket_id = ?', [later, later, open]);
    await legacy.sql.query("INSERT INTO ost_user_email (user_id, address) VALUES (7, 'Second.Address@Example.ORG')");

    const chainBefore = (await store.read(async (s) => s.interactions.listByConversation((await s.legacyMap.findMany([ref('ticket', oldThread[0]!.object_id)]))[0]!.hubId!))).length;
    const { run, report } = await runToEnd({ source: 'osticket', mode: 'delta' });
    expect(run.status).toBe('done');
    expect(report.failures).toEqual([]);
    expect(report.entities['users']).toMatchObject({ updated: 1, created: 0 });
    expect(report.entities['tickets']).toMatchObject({ created: 1, updated: 1 });
    expect(report.entities['entries']).toMatchObject({ created: 2 });
    expect((await store.read((s) => s.identities.find({ kind: 'email', value: 'second.address@example.org' })))?.customerId).toBe(
      (await store.read((s) => s.legacyMap.findMany([ref('user', 7)])))[0]?.hubId,
    );
    const closedNow = await manage.conversationsByExternalRef(ref('ticket', open), {});
    expect(closedNow.items[0]?.status).toBe('closed');
    const oldChain = await store.read(async (s) => s.interactions.listByConversation((await s.legacyMap.findMany([ref('ticket', oldThread[0]!.object_id)]))[0]!.hubId!));
    expect(oldChain).toHaveLength(chainBefore + 1);
    expect(oldChain.at(-1)?.data['legacy']).toMatchObject({ id: ref('entry', onOld.insertId) });
    expect((await store.read((s) => s.legacyMap.findMany([ref('entry', first.insertId)])))).toHaveLength(1);
    expect((await new LedgerQueries(store).verifyAll()).ok).toBe(true);
    // Nothing changed since: the next delta reads nothing.
    const quiet = await runToEnd({ source: 'osticket', mode: 'delta' });
    for (const name of ['users', 'tickets', 'entries']) expect(quiet.report.entities[name]?.read ?? 0).toBe(0);
  }, 120_000);

  it('reports a malformed row with its reason and goes on', async () => {
    await legacy.sql.query("INSERT INTO ost_ticket (number, user_id, status_id, source, created, updated) VALUES ('999001', 1, 1, 'Web', '0000-00-00 00:00:00', '0000-00-00 00:00:00')");
    const [orphan] = await legacy.sql.query<ResultSetHeader>("INSERT INTO ost_ticket (number, user_id, status_id, source, created, updated) VALUES ('999002', 99999, 1, 'Web', NOW() - INTERVAL 5 SECOND, NOW() - INTERVAL 5 SECOND)");
    const { run, report } = await runToEnd({ source: 'osticket', mode: 'full' });
    expect(run.status).toBe('done');
    expect(report.failures).toEqual(expect.arrayContaining([expect.objectContaining({ entity: 'tickets', sourceId: String(orphan.insertId), reason: expect.stringContaining('does not exist') })]));
    expect(report.failures.some((f) => f.entity === 'tickets' && /created/.test(f.reason))).toBe(true);
    expect(report.entities['tickets']?.failed).toBe(2);
    expect(report.entities['entries']).toMatchObject({ failed: 0, created: 0 });
  }, 120_000);
});

describe('osTicket → PGlite: demo, dry run, full', () => {
  let embedded: TypeormStore;
  let on: { manage: () => ManageMigrations; runner: () => RunMigration };

  beforeAll(async () => {
    embedded = createEmbeddedStore({ dataDir: 'memory://' });
    await embedded.migrate();
    await new ManageRouting(embedded, systemClock).ensureDefaultQueue();
    const m = new ManageMigrations(embedded, sources, systemClock);
    const r = new RunMigration(embedded, sources, systemClock, { batchSize: 250, openTickets: 'record' });
    on = { manage: () => m, runner: () => r };
  }, 120_000);
  afterAll(async () => {
    await embedded?.close();
  });

  it('a dry run writes nothing; a demo then a full run duplicate nothing; open tickets recorded without routing', async () => {
    const entries = async () => Number((await embedded.sql<{ n: string }>('SELECT count(*) AS n FROM interactions'))[0]?.n);
    const dry = await runToEnd({ source: 'osticket', mode: 'full', dryRun: true }, on);
    expect(dry.run.status).toBe('done');
    expect(dry.report.entities['entries']?.created).toBeGreaterThan(DATA.entries - 10);
    expect(await entries()).toBe(0);
    expect(Number((await embedded.sql<{ n: string }>('SELECT count(*) AS n FROM customers'))[0]?.n)).toBe(0);

    const demo = await runToEnd({ source: 'osticket', mode: 'demo', sample: 5 }, on);
    expect(demo.report.entities['tickets']).toMatchObject({ created: 5, read: 5 });
    const demoEntries = await entries();
    expect(demoEntries).toBe(demo.report.entities['entries']?.created);
    const full = await runToEnd({ source: 'osticket', mode: 'full' }, on);
    expect(full.report.entities['tickets']?.unchanged).toBe(5);
    expect(full.report.entities['entries']?.unchanged).toBe(demoEntries);
    expect(await entries()).toBe((full.report.entities['entries']?.created ?? 0) + demoEntries);
    expect(Number((await embedded.sql<{ n: string }>('SELECT count(*) AS n FROM work_items'))[0]?.n)).toBe(0);
    expect((await new LedgerQueries(embedded).verifyAll()).ok).toBe(true);
  }, 240_000);
});
