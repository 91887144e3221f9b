// The portability repository's part of the Store contract (whole-table pages and exact inserts),
// and the export → restore round trip on top of it. Each test makes its own stores: a restore needs
// an empty one.
import { describe, expect, it } from 'vitest';
import { LedgerQueries } from '../ledger/use-cases/ledger-queries.js';
import { tombstoneContent } from '../ledger/interaction.entity.js';
import { EXPORT_SECTIONS } from '../portability/export-format.js';
import { rowKey, type PortableRows, type PortableTable } from '../portability/ports/portability-store.port.js';
import { exportHub } from '../portability/use-cases/export-hub.use-case.js';
import { restoreHub } from '../portability/use-cases/restore-hub.use-case.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import {
  aChain,
  aConversation,
  aCustomer,
  aDelivery,
  anAgent,
  anAssignment,
  anIdentity,
  anOffer,
  aQueue,
  aRoutingDecision,
  aWorkItem,
  secondsAfter,
} from './mothers.js';
import type { StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');

type Rows = { [T in PortableTable]: PortableRows[T][] };

/** One hub's worth of rows, every table filled, the ledger with a merge-moved and an erased entry. */
const aHubOfRows = (): Rows => {
  const queue = aQueue({ name: `q-${newId().slice(0, 8)}`, skills: { billing: 2 }, cost: { email: 10, default: 25 }, sla: { firstResponseSeconds: 60 } });
  const agent = anAgent({ desk: { slack: 'U024BE7LH', teams: '29:abc' }, skills: { billing: 3 } });
  const survivor = aCustomer({ displayName: 'Ann Example', attributes: { tier: 'gold', nested: { a: [1, 2] } }, createdAt: T0, updatedAt: T0 });
  const merged = aCustomer({ displayName: 'Ann E.', mergedInto: survivor.id, createdAt: T0, updatedAt: T0 });
  const conversation = aConversation({ customerId: survivor.id, queueId: queue.id, status: 'assigned', channels: ['email', 'webhook'], hops: 1, assignment: { agentId: agent.id, since: T0 } });
  const chain = aChain(4, (i) => ({ conversationId: conversation.id, customerId: i === 0 ? merged.id : survivor.id, occurredAt: secondsAfter(T0, i), recordedAt: secondsAfter(T0, i), attachments: i === 1 ? [{ name: 'a.pdf', contentType: 'application/pdf', size: 3 }] : [] }));
  const erased = chain.map((entry, i) => (i === 2 ? tombstoneContent(entry, secondsAfter(T0, 100)) : entry));
  const other = aChain(2, () => ({ customerId: survivor.id }));
  return {
    queue: [{ ...queue, optionalSkills: { spanish: 3 }, relaxation: [{ afterSeconds: 60, dropOptionalSkills: true }] }],
    routing_rule: [
      {
        id: newId(),
        name: 'Gold',
        position: 1,
        enabled: true,
        match: { attributes: { tier: 'gold', region: { in: ['EU'] } }, regex: { pattern: 'INV-\\d+', caseInsensitive: true } },
        actions: { queueId: queue.id, priority: 1, skills: { vip: 2, spanish: { level: 3, optional: true } } },
        createdAt: T0,
        updatedAt: T0,
      },
    ],
    agent: [agent],
    customer: [survivor, merged],
    identity: [anIdentity({ customerId: survivor.id, kind: 'email', value: `ann-${newId().slice(0, 6)}@example.com` }), anIdentity({ customerId: survivor.id, kind: 'phone', value: '+441632960961' })],
    customer_merge: [
      {
        id: newId(),
        survivorId: survivor.id,
        mergedId: merged.id,
        identities: [{ kind: 'email', value: 'ann@old.example.com' }],
        conversations: [conversation.id],
        attributes: [{ key: 'tier', hadBefore: false, before: null, after: 'gold' }],
        displayNameBefore: null,
        displayNameChanged: false,
        createdAt: T0,
        undoneAt: null,
      },
    ],
    merge_suggestion: [{ id: newId(), customerId: survivor.id, otherCustomerId: merged.id, identity: { kind: 'email', value: 'x@example.com' }, interactionId: chain[0]!.id, status: 'dismissed', createdAt: T0, decidedAt: secondsAfter(T0, 5) }],
    conversation: [conversation, aConversation({ id: other[0]!.conversationId, customerId: survivor.id, status: 'resolved', resolvedAt: T0 })],
    interaction: [...erased, ...other],
    inbound_receipt: [{ channel: 'email', externalId: chain[0]!.externalId!, interactionId: chain[0]!.id, receivedAt: T0 }],
    delivery: [aDelivery({ interactionId: chain[3]!.id, status: 'dead', attempts: 8, reason: 'SMTP 550 no such user', updatedAt: T0, nextAttemptAt: null, leaseUntil: null })],
    work_item: [aWorkItem({ conversationId: other[0]!.conversationId, queueId: queue.id, excludedAgents: [agent.id], optionalSkills: { spanish: 3 }, relaxationStep: 1, reasons: [{ code: 'all_at_capacity', detail: 'everyone is busy' }, { code: 'relaxation_step', detail: 'step 1', step: 1, widened: ['optional skills dropped'] }] })],
    offer: [anOffer({ conversationId: conversation.id, agentId: agent.id, queueId: queue.id, status: 'accepted', answeredAt: T0 })],
    assignment: [anAssignment({ conversationId: conversation.id, agentId: agent.id, queueId: queue.id })],
    routing_decision: [aRoutingDecision({ conversationId: conversation.id, queueId: queue.id, agentId: agent.id, rule: 'longest-idle', candidates: null })],
    sla_verdict: [{ conversationId: conversation.id, kind: 'first_response', queueId: queue.id, met: true, dueAt: secondsAfter(T0, 60), decidedAt: secondsAfter(T0, 30), recordedAt: secondsAfter(T0, 61) }],
    legacy_mapping: [
      { externalId: 'legacy:osticket:ticket:17', system: 'osticket', entity: 'ticket', hubId: conversation.id, contentHash: 'a'.repeat(64), data: { channel: 'email' }, runId: newId(), updatedAt: T0 },
      { externalId: 'legacy:osticket:user:4', system: 'osticket', entity: 'user', hubId: survivor.id, contentHash: 'b'.repeat(64), data: { joined: true }, runId: newId(), updatedAt: T0 },
    ],
    // Positions with gaps and out of key order: a restore keeps them, so the CRM sync keeps its order.
    crm_log_entry: [
      { instanceId: 'hubspot', interactionId: chain[1]!.id, position: 9, customerId: survivor.id, conversationId: conversation.id, kind: 'entry', status: 'pending', attempts: 0, leaseUntil: null, contactId: null, activityId: null, lastError: null, createdAt: T0, updatedAt: T0 },
      { instanceId: 'hubspot', interactionId: chain[0]!.id, position: 5, customerId: survivor.id, conversationId: conversation.id, kind: 'entry', status: 'logged', attempts: 1, leaseUntil: null, contactId: '1001', activityId: 'note-7', lastError: null, createdAt: T0, updatedAt: secondsAfter(T0, 2) },
    ],
  };
};

const fill = async (store: Store, rows: Rows): Promise<void> => {
  await store.transaction(async (session) => {
    for (const section of EXPORT_SECTIONS) await session.portability.insertMany(section, rows[section] as never);
  });
};

const everyRow = async <T extends PortableTable>(store: Store, table: T, limit: number): Promise<PortableRows[T][]> => {
  const all: PortableRows[T][] = [];
  for (let after: readonly (string | number)[] | null = null; ; ) {
    const cursor: readonly (string | number)[] | null = after;
    const page: PortableRows[T][] = await store.read((session) => session.portability.pageAfter(table, cursor, limit));
    all.push(...page);
    if (page.length < limit) return all;
    after = rowKey(table, page.at(-1)!);
  }
};

const byKey = <T extends PortableTable>(table: T) => (a: PortableRows[T], b: PortableRows[T]) => JSON.stringify(rowKey(table, a)).localeCompare(JSON.stringify(rowKey(table, b)));

/** Lines of an export, as a reader of the file yields them (no line ends). */
const linesOf = async (store: Store): Promise<string[]> => {
  let text = '';
  for await (const line of exportHub(store, { clock: { now: () => T0 }, hubVersion: 'contract', pageSize: 2 })) text += line;
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
};
const source = (lines: readonly string[]) => () =>
  (async function* () {
    yield* lines;
  })();

export const runPortabilityStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, portability: ${name}`, () => {
    it('pages every table by key, each row once, and keeps rows exactly as inserted', async () => {
      const subject = await makeStore();
      try {
        await subject.store.migrate();
        const rows = aHubOfRows();
        await fill(subject.store, rows);
        for (const section of EXPORT_SECTIONS) {
          const stored = await everyRow(subject.store, section, 1);
          expect(stored.map(String).length, section).toBe(rows[section].length);
          expect([...stored].sort(byKey(section)), section).toEqual([...rows[section]].sort(byKey(section)));
          // uuid keys page in ascending order on every engine
          if (section === 'customer') expect(stored.map((c) => (c as PortableRows['customer']).id)).toEqual(rows.customer.map((c) => c.id).sort());
          expect(await subject.store.read((s) => s.portability.count(section)), section).toBe(rows[section].length);
        }
        // Interactions advance the anchor as every append does: the whole ledger verifies.
        const verification = await new LedgerQueries(subject.store).verifyAll();
        expect(verification).toMatchObject({ ok: true, conversations: 2, entries: 6, problems: [] });
        // A key taken fails the statement.
        await expect(subject.store.transaction((s) => s.portability.insertMany('customer', [rows.customer[0]!]))).rejects.toThrow();
      } finally {
        await subject.dispose();
      }
    });

    it('restores an export into an empty store table for table, and refuses a store that holds data', async () => {
      const [from, to] = [await makeStore(), await makeStore()];
      try {
        await from.store.migrate();
        await to.store.migrate();
        const rows = aHubOfRows();
        await fill(from.store, rows);
        const lines = await linesOf(from.store);
        expect(lines).toHaveLength(2 + Object.values(rows).reduce((n, r) => n + r.length, 0));

        // The target's own queue of the same name (as a fresh hub's `default`) gives way to the file's.
        const own = aQueue({ name: rows.queue[0]!.name });
        await to.store.transaction((s) => s.queues.insert(own));
        const result = await restoreHub(to.store, source(lines), { batchSize: 3 });
        expect(result.replacedQueues).toEqual([own.name]);
        for (const section of EXPORT_SECTIONS) {
          expect(result.counts[section], section).toBe(rows[section].length);
          const restored = await everyRow(to.store, section, 100);
          const original = await everyRow(from.store, section, 100);
          expect(restored, section).toEqual(original);
        }
        expect((await new LedgerQueries(to.store).verifyAll()).ok).toBe(true);
        // The CRM sync picks up where it was: the restored open entry first, what is added after it later.
        const survivorId = rows.customer[0]!.id;
        const { position: _position, ...first } = rows.crm_log_entry[0]!;
        const later = { ...first, interactionId: rows.interaction[3]!.id };
        await to.store.transaction((s) => s.crmLog.addMany([later]));
        expect((await to.store.read((s) => s.crmLog.open('hubspot', [survivorId], 10))).map((e) => e.interactionId)).toEqual([rows.crm_log_entry[0]!.interactionId, later.interactionId]);

        await expect(restoreHub(to.store, source(lines))).rejects.toMatchObject({ code: 'PORTABILITY.HUB_NOT_EMPTY' });
      } finally {
        await from.dispose();
        await to.dispose();
      }
    });
  });
};
