import { beforeEach, describe, expect, it } from 'vitest';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import { LedgerQueries } from '../../ledger/use-cases/ledger-queries.js';
import { LegacyRecordSet, ReloadingLegacySource } from '../../plugin-api/legacy-record-set.js';
import { legacyExternalId, type LegacyEntry, type LegacyFailure, type LegacyRecord, type LegacyTicket, type LegacyUser } from '../../plugin-api/legacy-source.port.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aCustomer, anAgent, anIdentity, aQueue } from '../../testing/mothers.js';
import { ManageMigrations } from '../use-cases/manage-migrations.use-case.js';
import { RunMigration } from '../use-cases/run-migration.use-case.js';
import type { MigrationRun } from '../migration-run.entity.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));
const id = (entity: 'user' | 'ticket' | 'entry', n: number) => legacyExternalId('demo', entity, n);

const user = (n: number, emails: string[], minute = n): LegacyUser => ({
  entity: 'user',
  externalId: id('user', n),
  name: `Ünïcode User ${n}`,
  identities: emails.map((value) => ({ kind: 'email', value })),
  attributes: {},
  createdAt: at(minute),
  updatedAt: at(minute),
});
const ticket = (n: number, userN: number, status: LegacyTicket['status'], minute = n): LegacyTicket => ({
  entity: 'ticket',
  externalId: id('ticket', n),
  userExternalId: id('user', userN),
  subject: `Ticket ${n}`,
  status,
  channel: 'email',
  closedAt: status === 'closed' ? at(minute + 30) : null,
  createdAt: at(minute),
  updatedAt: at(minute),
});
const entry = (n: number, ticketN: number, direction: LegacyEntry['direction'], minute: number, messageId: string | null = null): LegacyEntry => ({
  entity: 'entry',
  externalId: id('entry', n),
  ticketExternalId: id('ticket', ticketN),
  direction,
  author: direction === 'inbound' ? { kind: 'user', externalId: id('user', 1), name: 'User' } : { kind: 'staff', externalId: null, name: 'Agent' },
  subject: null,
  text: `Entry ${n} — naïve café`,
  html: null,
  attachments: [],
  messageId,
  occurredAt: at(minute),
  updatedAt: at(minute),
});

/** A file-like source whose records a test changes between runs. */
class MutableSource {
  records: LegacyRecord[] = [];
  failures: LegacyFailure[] = [];
  private version = 0;
  readonly source = new ReloadingLegacySource(
    async () => String(this.version),
    async () => new LegacyRecordSet('demo', this.records, this.failures),
    () => 'demo',
  );
  set(records: LegacyRecord[], failures: LegacyFailure[] = []) {
    this.records = records;
    this.failures = failures;
    this.version += 1;
  }
}

const baseRecords = (): LegacyRecord[] => [
  user(1, ['Ann@Example.com', 'ann.other@example.com']),
  user(2, ['bob@example.com']),
  user(3, ['carol@example.com']),
  ticket(1, 1, 'closed'),
  ticket(2, 2, 'open'),
  ticket(3, 3, 'closed'),
  entry(1, 1, 'inbound', 10, '<t1-first@legacy.example>'),
  entry(2, 1, 'outbound', 11),
  entry(3, 1, 'internal', 12),
  entry(4, 2, 'inbound', 13, '<t2-first@legacy.example>'),
  entry(5, 3, 'inbound', 14),
];

describe('RunMigration (in memory)', () => {
  let store: InMemoryStore;
  let legacy: MutableSource;
  let manage: ManageMigrations;
  let runner: RunMigration;
  const clock = aClock();

  const runToEnd = async (request: Parameters<ManageMigrations['start']>[0]): Promise<MigrationRun> => {
    const run = await manage.start(request);
    const ended = await runner.run(run.id);
    if (ended === null) throw new Error('run vanished');
    return ended;
  };
  const counts = () =>
    store.read(async (s) => {
      const conversations = (await s.conversations.list({}, { limit: 1000 })).items;
      const legacyIds = await s.identities.findMany([1, 2, 3, 4].map((n) => ({ kind: 'legacy' as const, value: `demo:user:${n}` })));
      return {
        customers: new Set(legacyIds.map((i) => i.customerId)).size,
        conversations: conversations.length,
        entries: (await s.interactions.listByConversations(conversations.map((c) => c.id))).length,
      };
    });
  const entriesOf = async (ticketN: number) => {
    const mapping = (await store.read((s) => s.legacyMap.findMany([id('ticket', ticketN)])))[0];
    return store.read((s) => s.interactions.listByConversation(mapping!.hubId!));
  };
  const conversationOf = async (ticketN: number) => {
    const mapping = (await store.read((s) => s.legacyMap.findMany([id('ticket', ticketN)])))[0];
    return store.read((s) => s.conversations.get(mapping!.hubId!));
  };

  beforeEach(async () => {
    store = new InMemoryStore();
    await store.transaction((s) => s.queues.insert(aQueue({ name: 'default', skills: {} })));
    legacy = new MutableSource();
    legacy.set(baseRecords());
    const sources = { find: (name: string) => (name === 'helpdesk' ? legacy.source : undefined), ids: () => ['helpdesk'] };
    manage = new ManageMigrations(store, sources, clock);
    runner = new RunMigration(store, sources, clock, { batchSize: 2, openTickets: 'queue' });
  });

  it('imports everything in batches: counts, chains that verify, original times in source order, history never routed', async () => {
    const run = await runToEnd({ source: 'helpdesk', mode: 'full' });
    expect(run.status).toBe('done');
    const report = await manage.report(run.id);
    expect(report.entities['users']).toMatchObject({ source: 3, hub: 3, read: 3, created: 3, failed: 0 });
    expect(report.entities['tickets']).toMatchObject({ source: 3, hub: 3, created: 3 });
    expect(report.entities['entries']).toMatchObject({ source: 5, hub: 5, created: 5 });
    for (const counters of Object.values(report.entities)) expect(counters.checksum.hub).toBe(counters.checksum.source);
    expect(report.failures).toEqual([]);

    const ledger = new LedgerQueries(store);
    const first = await entriesOf(1);
    expect(first.map((e) => [e.seq, e.direction, e.type, e.occurredAt.toISOString()])).toEqual([
      [1, 'inbound', 'message', at(10).toISOString()],
      [2, 'outbound', 'message', at(11).toISOString()],
      [3, 'internal', 'note', at(12).toISOString()],
    ]);
    expect(first[0]?.externalId).toBe('<t1-first@legacy.example>');
    for (const n of [1, 2, 3]) expect((await ledger.verify((await conversationOf(n))!.id)).ok).toBe(true);
    // Closed history is closed and unrouted; the open ticket waits in a queue.
    expect((await conversationOf(1))?.status).toBe('closed');
    expect((await conversationOf(2))?.status).toBe('queued');
    const events = await store.read(async (s) => (await s.outbox.claimUndispatched(1000)).map((e) => e.event.type));
    expect(events.filter((t) => !t.startsWith('migration.'))).toEqual(['conversation.queued']);
    expect(events).toContain('migration.progress');
    expect(events.at(-1)).toBe('migration.finished');
    const created = await store.read(async (s) => s.customers.get((await s.identities.find({ kind: 'legacy', value: 'demo:user:2' }))!.customerId));
    expect(created?.attributes).toEqual({ legacy: { system: 'demo' } });
    // The legacy identity and both addresses name one customer.
    const customer = await store.read((s) => s.identities.find({ kind: 'legacy', value: 'demo:user:1' }));
    const other = await store.read((s) => s.identities.find({ kind: 'email', value: 'ann.other@example.com' }));
    expect(other?.customerId).toBe(customer?.customerId);
  });

  it('adds nothing on a re-run, and a demo run then a full run duplicate nothing', async () => {
    const demo = await runToEnd({ source: 'helpdesk', mode: 'demo', sample: 1 });
    expect((await manage.report(demo.id)).entities['tickets']).toMatchObject({ created: 1, read: 1 });
    expect((await manage.report(demo.id)).entities['entries']).toMatchObject({ created: 3 });
    const full = await runToEnd({ source: 'helpdesk', mode: 'full' });
    const report = await manage.report(full.id);
    expect(report.entities['tickets']).toMatchObject({ created: 2, unchanged: 1, hub: 3 });
    expect(report.entities['entries']).toMatchObject({ created: 2, unchanged: 3, hub: 5 });
    const before = await counts();
    const again = await manage.report((await runToEnd({ source: 'helpdesk', mode: 'full' })).id);
    for (const name of ['users', 'tickets', 'entries']) expect(again.entities[name]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(again.entities['entries']?.unchanged).toBe(5);
    expect(await counts()).toEqual(before);
  });

  it('writes nothing in a dry run and reports what a real run would do', async () => {
    const run = await runToEnd({ source: 'helpdesk', mode: 'full', dryRun: true });
    const report = await manage.report(run.id);
    expect(report.dryRun).toBe(true);
    expect(report.entities['entries']).toMatchObject({ created: 5, source: 5, hub: 5 });
    expect(await counts()).toEqual({ customers: 0, conversations: 0, entries: 0 });
    expect(await store.read((s) => s.legacyMap.count('demo', 'user'))).toBe(0);
    expect(await store.read((s) => s.identities.find({ kind: 'legacy', value: 'demo:user:1' }))).toBeNull();
    // No watermark either: a delta still needs a real full run.
    await expect(manage.start({ source: 'helpdesk', mode: 'delta' })).rejects.toMatchObject({ code: 'MIGRATION.NO_FULL_RUN' });
  });

  it('reports malformed rows with their reason and goes on', async () => {
    legacy.set(
      [...baseRecords(), user(4, ['not an address']), ticket(9, 404, 'open'), entry(9, 9, 'inbound', 20), entry(10, 2, 'outbound', 21)],
      [{ entity: 'ticket', sourceId: '77', reason: "created: not a date ('0000-00-00 00:00:00')" }],
    );
    const run = await runToEnd({ source: 'helpdesk', mode: 'full' });
    expect(run.status).toBe('done');
    const report = await manage.report(run.id);
    expect(report.failures).toEqual(
      expect.arrayContaining([
        { entity: 'tickets', sourceId: '77', reason: "created: not a date ('0000-00-00 00:00:00')" },
        { entity: 'tickets', sourceId: id('ticket', 9), reason: `userExternalId: user ${id('user', 404)} was not imported` },
        { entity: 'entries', sourceId: id('entry', 9), reason: `ticketExternalId: ticket ${id('ticket', 9)} was not imported` },
      ]),
    );
    expect(report.warnings).toEqual([expect.objectContaining({ entity: 'users', sourceId: id('user', 4) })]);
    expect(report.entities['tickets']).toMatchObject({ created: 3, failed: 2 });
    expect(report.entities['entries']).toMatchObject({ created: 6, failed: 1 });
    expect(report.entities['entries']?.checksum.hub).not.toBe(report.entities['entries']?.checksum.source);
    expect((await entriesOf(2)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('joins a legacy user to the hub customer who has the address already, and records it', async () => {
    const existing = aCustomer({ displayName: 'Ann (hub)' });
    await store.transaction(async (s) => {
      await s.customers.insert(existing);
      await s.identities.insert(anIdentity({ kind: 'email', value: 'ann@example.com', customerId: existing.id }));
    });
    const run = await runToEnd({ source: 'helpdesk', mode: 'full' });
    expect((await manage.report(run.id)).entities['users']).toMatchObject({ created: 3, joined: 1 });
    expect((await store.read((s) => s.identities.find({ kind: 'legacy', value: 'demo:user:1' })))?.customerId).toBe(existing.id);
    expect((await conversationOf(1))?.customerId).toBe(existing.id);
    expect((await store.read((s) => s.legacyMap.findMany([id('user', 1)])))[0]?.data).toEqual({ joined: true });
  });

  it('a delta picks up exactly what changed, by the source markers', async () => {
    await runToEnd({ source: 'helpdesk', mode: 'full' });
    const records = baseRecords().map((r) =>
      // Ticket 2 was closed; user 2 got a second address.
      r.externalId === id('ticket', 2) ? { ...ticket(2, 2, 'closed'), updatedAt: at(100) } : r.externalId === id('user', 2) ? { ...user(2, ['bob@example.com', 'bob@home.example']), updatedAt: at(101) } : r,
    );
    // A new ticket with an entry, and a new entry on old ticket 1 whose own record did not change.
    legacy.set([...records, ticket(4, 3, 'open', 102), entry(6, 4, 'inbound', 103), entry(7, 1, 'inbound', 104)]);
    const run = await runToEnd({ source: 'helpdesk', mode: 'delta' });
    const report = await manage.report(run.id);
    expect(report.entities['users']).toMatchObject({ read: 1, updated: 1, created: 0 });
    expect(report.entities['tickets']).toMatchObject({ read: 2, updated: 1, created: 1 });
    expect(report.entities['entries']).toMatchObject({ read: 2, created: 2 });
    expect((await conversationOf(2))?.status).toBe('closed');
    expect(await store.read(async (s) => s.workItems.get((await conversationOf(2))!.id))).toBeNull();
    expect((await store.read((s) => s.identities.find({ kind: 'email', value: 'bob@home.example' })))?.customerId).toBeDefined();
    expect((await entriesOf(1)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await new LedgerQueries(store).verify((await conversationOf(1))!.id)).ok).toBe(true);
    // Nothing changed since: the next delta reads nothing.
    const quiet = await manage.report((await runToEnd({ source: 'helpdesk', mode: 'delta' })).id);
    for (const name of ['users', 'tickets', 'entries']) expect(quiet.entities[name]?.read).toBe(0);
  });

  it('threads a later email reply into the imported conversation by its Message-ID, and never records the imported mail twice', async () => {
    await runToEnd({ source: 'helpdesk', mode: 'full' });
    const ingest = new IngestInbound(store, clock, { continuityWindowSeconds: 0, channelQueues: {} });
    const reply = await ingest.ingest({
      channel: 'email',
      externalId: '<reply@customer.example>',
      from: { kind: 'email', value: 'someone.else@example.com' },
      threadRefs: ['<t2-first@legacy.example>'],
      threadScope: 'any',
      text: 'Any news?',
    });
    expect(reply.conversationId).toBe((await conversationOf(2))?.id);
    const again = await ingest.ingest({ channel: 'email', externalId: '<t2-first@legacy.example>', from: { kind: 'email', value: 'bob@example.com' }, text: 'the same mail, fetched by the mailbox' });
    expect(again.duplicate).toBe(true);
  });

  it('stops a cancelled run after the batch in flight, and refuses a second run of a source while one runs', async () => {
    const run = await manage.start({ source: 'helpdesk', mode: 'full' });
    await expect(manage.start({ source: 'helpdesk', mode: 'full' })).rejects.toMatchObject({ code: 'MIGRATION.ALREADY_RUNNING' });
    await manage.cancel(run.id);
    const ended = await runner.run(run.id);
    expect(ended?.status).toBe('cancelled');
    await expect(manage.cancel(run.id)).rejects.toMatchObject({ code: 'MIGRATION.NOT_RUNNING' });
  });

  it('cuts a source over: a final delta, then the source is retired and refuses runs', async () => {
    await runToEnd({ source: 'helpdesk', mode: 'full' });
    legacy.set([...baseRecords(), entry(8, 2, 'inbound', 200)]);
    const cut = await manage.cutover('helpdesk');
    expect(cut.cutover).toBe(true);
    await runner.run(cut.id);
    expect((await manage.report(cut.id)).entities['entries']).toMatchObject({ created: 1 });
    const [state] = await manage.sourceStates();
    expect(state?.retiredAt).not.toBeNull();
    await expect(manage.start({ source: 'helpdesk', mode: 'delta' })).rejects.toMatchObject({ code: 'MIGRATION.SOURCE_RETIRED' });
  });
});

describe('RunMigration: a dry run taken over by another worker', () => {
  it('fails with the reason instead of reporting from a partial memory', async () => {
    const store = new InMemoryStore();
    const legacy = new MutableSource();
    legacy.set(baseRecords());
    const sources = { find: () => legacy.source, ids: () => ['helpdesk'] };
    const clock = aClock();
    const manage = new ManageMigrations(store, sources, clock);
    const run = await manage.start({ source: 'helpdesk', mode: 'full', dryRun: true });
    await store.transaction((s) => s.migrationRuns.update({ ...run, system: 'demo', progress: { ...run.progress, read: 3 } }));
    const ended = await new RunMigration(store, sources, clock, { batchSize: 2, openTickets: 'queue' }).run(run.id);
    expect(ended).toMatchObject({ status: 'failed', error: expect.stringContaining('cannot resume') });
  });
});

describe('RunMigration: staff', () => {
  it('matches legacy staff to hub agents by email, and their replies carry the agent', async () => {
    const store = new InMemoryStore();
    await store.transaction((s) => s.queues.insert(aQueue({ name: 'default', skills: {} })));
    const agent = anAgent({ email: 'Agent.Smith@example.com' });
    await store.transaction((s) => s.agents.insert(agent));
    const legacy = new MutableSource();
    const staff: LegacyRecord = {
      entity: 'staff',
      externalId: legacyExternalId('demo', 'staff', 5),
      name: 'Agent Smith',
      identities: [{ kind: 'email', value: 'agent.smith@example.com' }],
      active: true,
      departmentExternalId: null,
      attributes: {},
      createdAt: at(0),
      updatedAt: at(0),
    };
    const reply = { ...entry(2, 1, 'outbound', 11), author: { kind: 'staff' as const, externalId: legacyExternalId('demo', 'staff', 5), name: 'Agent Smith' } };
    legacy.set([staff, user(1, ['ann@example.com']), ticket(1, 1, 'closed'), entry(1, 1, 'inbound', 10), reply]);
    const sources = { find: () => legacy.source, ids: () => ['helpdesk'] };
    const clock = aClock();
    const manage = new ManageMigrations(store, sources, clock);
    const run = await manage.start({ source: 'helpdesk', mode: 'full' });
    await new RunMigration(store, sources, clock, { batchSize: 10, openTickets: 'queue' }).run(run.id);
    expect((await manage.report(run.id)).entities['staff']).toMatchObject({ source: 1, hub: 1, created: 1 });
    const [mapped] = await store.read((s) => s.legacyMap.findMany([legacyExternalId('demo', 'staff', 5), legacyExternalId('demo', 'entry', 2)]).then((m) => m.filter((x) => x.entity === 'entry')));
    expect((await store.read((s) => s.interactions.get(mapped!.hubId!)))?.agentId).toBe(agent.id);
    expect((await store.read((s) => s.legacyMap.findMany([legacyExternalId('demo', 'staff', 5)])))[0]?.hubId).toBe(agent.id);
  });
});

describe('RunMigration: a source that fails for a moment', () => {
  it('tries the step again from the checkpoint, and fails the run with the reason once the pauses are used up', async () => {
    const store = new InMemoryStore();
    await store.transaction((s) => s.queues.insert(aQueue({ name: 'default', skills: {} })));
    const legacy = new MutableSource();
    legacy.set(baseRecords());
    let outages = 1;
    const flaky = {
      ...legacy.source,
      describe: () => legacy.source.describe(),
      changesSince: (w: string | null, l: number) => legacy.source.changesSince(w, l),
      testConnection: () => legacy.source.testConnection(),
      read: async (entity: Parameters<typeof legacy.source.read>[0], cursor: string | null, limit: number) => {
        if (entity === 'ticket' && outages > 0) {
          outages -= 1;
          throw new Error('connect ECONNREFUSED 127.0.0.1:3306');
        }
        return legacy.source.read(entity, cursor, limit);
      },
    };
    const sources = { find: () => flaky, ids: () => ['helpdesk'] };
    const clock = aClock();
    const manage = new ManageMigrations(store, sources, clock);
    const runner = new RunMigration(store, sources, clock, { batchSize: 2, openTickets: 'queue' }, undefined, [5]);
    const recovered = await runner.run((await manage.start({ source: 'helpdesk', mode: 'full' })).id);
    expect(recovered?.status).toBe('done');
    expect((await manage.report(recovered!.id)).entities['tickets']).toMatchObject({ created: 3, read: 3 });
    outages = 2;
    const failed = await runner.run((await manage.start({ source: 'helpdesk', mode: 'full' })).id);
    expect(failed).toMatchObject({ status: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:3306' });
  });
});
