// The Store port's contract: every adapter (PostgreSQL, PGlite, in-memory, …) must pass it.
// Tests share one store, so each makes its own ids and never assumes the tables are empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../ledger/hash-chain.js';
import { runLedgerReadsContract } from './ledger-reads.contract.js';
import type { DomainEvent } from '../shared/events.js';
import { newId } from '../shared/ids.js';
import type { CrmLogEntry } from '../crm/crm-log.entity.js';
import { RelayOutbox } from '../outbox/use-cases/relay-outbox.use-case.js';
import type { JobContribution } from '../shared/jobs.js';
import type { JobQueue } from '../shared/ports/job-queue.port.js';
import { systemClock } from '../shared/ports/clock.port.js';
import { allPages, encodeCursor, type Page, type PageRequest } from '../shared/page.js';
import type { Store, StoreSession } from '../store/store.port.js';
import type { SettledQueue } from '../routing/ports/routing-store.port.js';
import { lockKeys } from '../shared/lock-keys.js';
import {
  aChain,
  aConversation,
  aCustomer,
  aDelivery,
  anAgent,
  anApiKey,
  anAssignment,
  anIdentity,
  anInteraction,
  anOffer,
  aQueue,
  aRoutingDecision,
  aWorkItem,
  secondsAfter,
  uniqueToken,
} from './mothers.js';

export interface StoreUnderTest {
  store: Store;
  dispose(): Promise<void>;
}

/**
 * Inside a \`describe\`: creates the store once for the suite, migrated, and disposes of it after;
 * answers a getter for it (the store exists only once \`beforeAll\` has run).
 */
export const useMigratedStore = (makeStore: () => Promise<StoreUnderTest>): (() => Store) => {
  let subject: StoreUnderTest | undefined;
  beforeAll(async () => {
    subject = await makeStore();
    await subject.store.migrate();
  });
  afterAll(async () => {
    await subject?.dispose();
  });
  return () => {
    if (subject === undefined) throw new Error('the store was not created');
    return subject.store;
  };
};

const T0 = new Date('2026-03-01T09:00:00.000Z');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);
const invalidCursor = { kind: 'invalid', code: 'PAGE.INVALID_CURSOR' };

/** Walks a list `limit` at a time, checking that every page but the last is full; answers the ids served, in order. */
const walk = async <T extends { id: string }>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<string[]> => {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 10_000; n += 1) {
    const page = await list({ limit, cursor });
    seen.push(...ids(page.items));
    if (page.nextCursor === null) return seen;
    expect(page.items).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  throw new Error('the list never ended');
};
/** Ascending by the given text key, then id, as the stores order (names kept to one case, so every collation agrees). */
const byKeyThenId = <T extends { id: string }>(key: (item: T) => string, direction: 1 | -1 = 1) => (a: T, b: T) =>
  direction * (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Runs the Store contract against `makeStore`, called once for the whole suite. The store may be
 * unmigrated: the suite calls `migrate()` first (and again, to show that it is idempotent).
 */
export const runStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest | undefined;
    const store = (): Store => {
      if (subject === undefined) throw new Error('the store was not created');
      return subject.store;
    };
    const tx = <T>(work: (s: StoreSession) => Promise<T>) => store().transaction(work);
    const read = <T>(work: (s: StoreSession) => Promise<T>) => store().read(work);

    beforeAll(async () => {
      subject = await makeStore();
      await subject.store.migrate();
      await subject.store.migrate();
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    it('reports itself healthy', async () => {
      expect((await store().health()).status).toBe('up');
    });

    describe('customers', () => {
      it('round-trips a customer with nested attributes and null fields', async () => {
        const customer = aCustomer({ displayName: null, attributes: { tier: 'gold', n: 3, nested: { list: [1, 'two', null] } } });
        await tx((s) => s.customers.insert(customer));
        expect(await read((s) => s.customers.get(customer.id))).toEqual(customer);
      });

      it('answers null for an unknown id', async () => {
        expect(await read((s) => s.customers.get(newId()))).toBeNull();
      });

      it('updates every mutable field', async () => {
        const customer = aCustomer();
        await tx((s) => s.customers.insert(customer));
        const changed = {
          ...customer,
          displayName: 'Ann B. Example',
          attributes: { tier: 'platinum' },
          mergedInto: newId(),
          updatedAt: secondsAfter(customer.updatedAt, 60),
        };
        await tx((s) => s.customers.update(changed));
        expect(await read((s) => s.customers.get(customer.id))).toEqual(changed);
      });

      it('updates many customers in one call, each with its own fields, and leaves out ids it does not hold', async () => {
        const [first, second, untouched] = [aCustomer(), aCustomer({ displayName: null }), aCustomer()];
        await tx((s) => s.customers.insertMany([first, second, untouched]));
        const changed = [
          { ...first, displayName: "O'Brien \\ Co", attributes: { legacy: { system: 'osticket', notes: 'line\nbreak' } }, updatedAt: secondsAfter(first.updatedAt, 60) },
          { ...second, displayName: 'Second', attributes: {}, mergedInto: newId(), updatedAt: secondsAfter(second.updatedAt, 90) },
        ];
        const stranger = aCustomer();
        await tx((s) => s.customers.updateMany([...changed, stranger]));
        expect(await read((s) => s.customers.getMany([first.id, second.id, untouched.id, stranger.id]))).toEqual(expect.arrayContaining([...changed, untouched]));
        expect(await read((s) => s.customers.get(stranger.id))).toBeNull();
        await tx((s) => s.customers.updateMany([]));
      });
    });

    describe('identities', () => {
      it('finds an identity by its key and lists a customer’s identities', async () => {
        const customer = aCustomer();
        const email = anIdentity({ customerId: customer.id, verified: true, createdAt: T0 });
        const webchat = anIdentity({ kind: 'webchat', value: `visitor-${uniqueToken()}`, customerId: customer.id, createdAt: secondsAfter(T0, 1) });
        await tx(async (s) => {
          await s.customers.insert(customer);
          await s.identities.insert(email);
          await s.identities.insert(webchat);
        });
        expect(await read((s) => s.identities.find({ kind: email.kind, value: email.value }))).toEqual(email);
        const listed = await read((s) => s.identities.listByCustomer(customer.id));
        expect(listed).toHaveLength(2);
        expect(listed).toEqual(expect.arrayContaining([email, webchat]));
        expect(await read((s) => s.identities.listByCustomer(newId()))).toEqual([]);
      });

      it('answers null for an unknown key', async () => {
        expect(await read((s) => s.identities.find({ kind: 'email', value: `nobody.${uniqueToken()}@example.com` }))).toBeNull();
      });

      it('viewByIdentity answers the owner with its identities in listByCustomer order, or null', async () => {
        const customer = aCustomer({ displayName: 'Ann', attributes: { tier: 'gold', address: { city: 'Leeds' } } });
        const email = anIdentity({ customerId: customer.id, verified: true, createdAt: secondsAfter(T0, 2) });
        const phone = anIdentity({ kind: 'phone', value: `+44-${uniqueToken()}`, customerId: customer.id, createdAt: T0 });
        const webchat = anIdentity({ kind: 'webchat', value: `visitor-${uniqueToken()}`, customerId: customer.id, createdAt: secondsAfter(T0, 1) });
        const bare = aCustomer();
        await tx(async (s) => {
          await s.customers.insertMany([customer, bare]);
          await s.identities.insertMany([email, phone, webchat]);
        });
        const listed = await read((s) => s.identities.listByCustomer(customer.id));
        expect(listed.map((i) => i.kind)).toEqual(['phone', 'webchat', 'email']);
        const view = await read((s) => s.customers.viewByIdentity({ kind: webchat.kind, value: webchat.value }));
        expect(view).toEqual({ ...customer, identities: listed });
        expect(await read((s) => s.customers.viewByIdentity({ kind: 'email', value: `nobody.${uniqueToken()}@example.com` }))).toBeNull();
        // A customer whose identity row points nowhere (no such customer): nobody to answer.
        const orphan = anIdentity({ customerId: newId() });
        await tx((s) => s.identities.insert(orphan));
        expect(await read((s) => s.customers.viewByIdentity(orphan))).toBeNull();
      });

      it('viewByIdentity follows merges to the survivor and answers the survivor’s identities', async () => {
        const survivor = aCustomer({ displayName: 'Survivor' });
        const middle = aCustomer({ mergedInto: survivor.id });
        const merged = aCustomer({ mergedInto: middle.id });
        // An identity still on a merged customer (as a merge that committed meanwhile leaves it to its readers).
        const kept = anIdentity({ customerId: merged.id, createdAt: T0 });
        const own = anIdentity({ customerId: survivor.id, createdAt: secondsAfter(T0, 1) });
        await tx(async (s) => {
          await s.customers.insertMany([survivor, middle, merged]);
          await s.identities.insertMany([kept, own]);
        });
        expect(await read((s) => s.customers.viewByIdentity(kept))).toEqual({ ...survivor, identities: [own] });
        expect(await read((s) => s.customers.viewByIdentity(own))).toEqual({ ...survivor, identities: [own] });
        // Pointers that lead to a missing customer or round in a circle name no survivor.
        const lost = aCustomer({ mergedInto: newId() });
        const [a, b] = [aCustomer(), aCustomer()];
        const ofLost = anIdentity({ customerId: lost.id });
        const ofCircle = anIdentity({ customerId: a.id });
        await tx(async (s) => {
          await s.customers.insertMany([lost, { ...a, mergedInto: b.id }, { ...b, mergedInto: a.id }]);
          await s.identities.insertMany([ofLost, ofCircle]);
        });
        expect(await read((s) => s.customers.viewByIdentity(ofLost))).toBeNull();
        expect(await read((s) => s.customers.viewByIdentity(ofCircle))).toBeNull();
      });

      it('refuses a second identity with the same (kind, value)', async () => {
        const first = anIdentity();
        await tx((s) => s.identities.insert(first));
        await expect(tx((s) => s.identities.insert({ ...first, customerId: newId() }))).rejects.toThrow();
        expect((await read((s) => s.identities.find(first)))?.customerId).toBe(first.customerId);
      });
    });

    describe('identity links and merges', () => {
      it('removes an identity and moves identities to another customer', async () => {
        const from = newId();
        const to = newId();
        const [a, b, c] = [0, 1, 2].map((i) => anIdentity({ customerId: from, createdAt: secondsAfter(T0, i) }));
        await tx((s) => s.identities.insertMany([a!, b!, c!]));
        expect(await tx((s) => s.identities.remove(a!))).toBe(true);
        expect(await tx((s) => s.identities.remove(a!))).toBe(false);
        await tx((s) => s.identities.reassign([b!, { kind: 'email', value: `nobody.${uniqueToken()}@example.com` }], to));
        expect(await read((s) => s.identities.find(a!))).toBeNull();
        expect((await read((s) => s.identities.find(b!)))?.customerId).toBe(to);
        expect(await read((s) => s.identities.listByCustomer(from))).toEqual([c]);
      });

      it('keeps one pending merge suggestion per pair of customers, lists them newest first and filtered', async () => {
        const [x, y, z] = [newId(), newId(), newId()];
        const suggestion = (customerId: string, otherCustomerId: string, at: number) => ({
          id: newId(),
          customerId,
          otherCustomerId,
          identity: { kind: 'email' as const, value: `ann.${uniqueToken()}@example.com` },
          interactionId: newId(),
          status: 'pending' as const,
          createdAt: secondsAfter(T0, at),
          decidedAt: null,
        });
        const first = suggestion(x, y, 1);
        const added = await tx((s) => s.mergeSuggestions.addPending([first, suggestion(y, x, 2), suggestion(x, z, 3)]));
        expect(added.map((a) => a.customerId + a.otherCustomerId)).toEqual([x + y, x + z]);
        // The same pair again, in the other order: still one pending.
        expect(await tx((s) => s.mergeSuggestions.addPending([suggestion(y, x, 4)]))).toEqual([]);
        expect(await read((s) => s.mergeSuggestions.get(first.id))).toEqual(first);
        const listed = await read((s) => s.mergeSuggestions.list({ customerId: x }, { limit: 10 }));
        expect(listed.items.map((i) => i.otherCustomerId)).toEqual([z, y]);
        // Once decided, the pair may be suggested again.
        await tx((s) => s.mergeSuggestions.update({ ...first, status: 'dismissed', decidedAt: secondsAfter(T0, 5) }));
        expect(await tx((s) => s.mergeSuggestions.addPending([suggestion(y, x, 6)]))).toHaveLength(1);
        const pendingOfY = await read((s) => s.mergeSuggestions.list({ customerId: y, status: 'pending' }, { limit: 10 }));
        expect(pendingOfY.items.map((i) => [i.customerId, i.otherCustomerId])).toEqual([[y, x]]);
        const dismissed = await read((s) => s.mergeSuggestions.list({ customerId: y, status: 'dismissed' }, { limit: 1 }));
        expect(dismissed.items.map((i) => i.id)).toEqual([first.id]);
        expect(await walk((page) => read((s) => s.mergeSuggestions.list({ customerId: x }, page)), 1)).toHaveLength(3);
      });

      it('round-trips a merge record and finds the active one of a pair', async () => {
        const merge = {
          id: newId(),
          survivorId: newId(),
          mergedId: newId(),
          identities: [{ kind: 'email' as const, value: `ann.${uniqueToken()}@example.com` }],
          conversations: [newId(), newId()],
          attributes: [
            { key: 'tier', hadBefore: true, before: 'gold', after: 'platinum' },
            { key: 'address', hadBefore: false, before: null, after: { city: 'Leeds' } },
          ],
          displayNameBefore: null,
          displayNameChanged: true,
          createdAt: T0,
          undoneAt: null,
        };
        await tx((s) => s.merges.insert(merge));
        expect(await read((s) => s.merges.get(merge.id))).toEqual(merge);
        expect(await read((s) => s.merges.findActive(merge.survivorId, merge.mergedId))).toEqual(merge);
        expect(await read((s) => s.merges.findActive(merge.mergedId, merge.survivorId))).toBeNull();
        await tx((s) => s.merges.update({ id: merge.id, undoneAt: secondsAfter(T0, 9) }));
        expect(await read((s) => s.merges.get(merge.id))).toEqual({ ...merge, undoneAt: secondsAfter(T0, 9) });
        expect(await read((s) => s.merges.findActive(merge.survivorId, merge.mergedId))).toBeNull();
      });
    });

    describe('conversations', () => {
      it('round-trips a conversation, then an update with an assignment and dates', async () => {
        const conversation = aConversation({ lastInboundChannel: null, lastInboundAt: null });
        await tx((s) => s.conversations.insert(conversation));
        expect(await read((s) => s.conversations.get(conversation.id))).toEqual(conversation);

        const assigned = {
          ...conversation,
          status: 'assigned' as const,
          queueId: newId(),
          priority: 5,
          channels: ['email', 'webchat'],
          hops: 2,
          handoffs: 3,
          assignment: { agentId: newId(), since: secondsAfter(T0, 30) },
          lastInboundChannel: 'webchat',
          lastInboundAt: secondsAfter(T0, 20),
          firstResponseAt: secondsAfter(T0, 40),
          resolvedAt: secondsAfter(T0, 50),
          updatedAt: secondsAfter(T0, 60),
        };
        await tx((s) => s.conversations.update(assigned));
        expect(await read((s) => s.conversations.get(conversation.id))).toEqual(assigned);

        await tx((s) => s.conversations.update({ ...assigned, assignment: null }));
        expect((await read((s) => s.conversations.get(conversation.id)))?.assignment).toBeNull();
        expect(await read((s) => s.conversations.get(newId()))).toBeNull();
      });

      it('updates many conversations in one call, nulls and dates included, and leaves out ids it does not hold', async () => {
        const [open, closed, untouched] = [aConversation(), aConversation({ lastInboundChannel: null, lastInboundAt: null }), aConversation()];
        await tx((s) => s.conversations.insertMany([open, closed, untouched]));
        const changed = [
          { ...open, status: 'queued' as const, queueId: newId(), priority: 2, channels: ['email', 'legacy'], lastInboundChannel: 'legacy', lastInboundAt: secondsAfter(T0, 20), updatedAt: secondsAfter(T0, 60) },
          { ...closed, status: 'closed' as const, queueId: null, firstResponseAt: secondsAfter(T0, 40), resolvedAt: secondsAfter(T0, 50), updatedAt: secondsAfter(T0, 70) },
        ];
        const stranger = aConversation();
        await tx((s) => s.conversations.updateMany([...changed, stranger]));
        const found = await read((s) => s.conversations.getMany([open.id, closed.id, untouched.id]));
        expect(found).toHaveLength(3);
        expect(found).toEqual(expect.arrayContaining([...changed, untouched]));
        expect(await read((s) => s.conversations.get(stranger.id))).toBeNull();
      });

      it('updateMany writes every field of each conversation given, null or set, and leaves others alone', async () => {
        const a = aConversation({ lastInboundChannel: null, lastInboundAt: null });
        const b = aConversation({ assignment: { agentId: newId(), since: secondsAfter(T0, 3) }, lastInboundChannel: "it's", lastInboundAt: secondsAfter(T0, 4) });
        const untouched = aConversation();
        await tx((s) => s.conversations.insertMany([a, b, untouched]));
        const a2 = { ...a, status: 'offered' as const, queueId: newId(), channels: ['email', 'sms'], lastInboundChannel: 'back\\slash', lastInboundAt: secondsAfter(T0, 9), updatedAt: secondsAfter(T0, 9) };
        const b2 = { ...b, assignment: null, lastInboundChannel: null, lastInboundAt: null, hops: 4, updatedAt: secondsAfter(T0, 10) };
        await tx((s) => s.conversations.updateMany([a2, b2, aConversation()]));
        expect(await read((s) => s.conversations.get(a.id))).toEqual(a2);
        expect(await read((s) => s.conversations.get(b.id))).toEqual(b2);
        expect(await read((s) => s.conversations.get(untouched.id))).toEqual(untouched);
        await tx((s) => s.conversations.updateMany([]));
      });

      it('findOpen answers the most recently updated open conversation updated since the given time', async () => {
        const customerId = newId();
        const since = secondsAfter(T0, 100);
        const tooOld = aConversation({ customerId, status: 'open', updatedAt: secondsAfter(T0, 50) });
        const older = aConversation({ customerId, status: 'queued', updatedAt: since });
        const newest = aConversation({ customerId, status: 'waiting', updatedAt: secondsAfter(T0, 200) });
        const resolved = aConversation({ customerId, status: 'resolved', updatedAt: secondsAfter(T0, 300) });
        const closed = aConversation({ customerId, status: 'closed', updatedAt: secondsAfter(T0, 400) });
        const otherCustomers = aConversation({ status: 'open', updatedAt: secondsAfter(T0, 500) });
        await tx(async (s) => {
          for (const c of [tooOld, older, newest, resolved, closed, otherCustomers]) await s.conversations.insert(c);
        });

        expect((await read((s) => s.conversations.findOpen(customerId, since)))?.id).toBe(newest.id);
        // `since` is inclusive
        expect((await read((s) => s.conversations.findOpen(customerId, secondsAfter(T0, 200))))?.id).toBe(newest.id);
        expect(await read((s) => s.conversations.findOpen(customerId, secondsAfter(T0, 201)))).toBeNull();
        expect(await read((s) => s.conversations.findOpen(newId(), T0))).toBeNull();
      });

      it('lists newest first (createdAt, then id) in pages with cursors', async () => {
        const customerId = newId();
        const sameInstant = secondsAfter(T0, 10);
        const made = [
          aConversation({ customerId, createdAt: secondsAfter(T0, 1) }),
          aConversation({ customerId, createdAt: sameInstant }),
          aConversation({ customerId, createdAt: sameInstant }),
          aConversation({ customerId, createdAt: secondsAfter(T0, 20) }),
          aConversation({ customerId, createdAt: secondsAfter(T0, 30) }),
        ];
        await tx(async (s) => {
          for (const c of made) await s.conversations.insert(c);
        });
        const expected = [...made]
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((c) => c.id);

        const first = await read((s) => s.conversations.list({ customerId }, { limit: 2 }));
        expect(ids(first.items)).toEqual(expected.slice(0, 2));
        expect(first.nextCursor).not.toBeNull();
        const second = await read((s) => s.conversations.list({ customerId }, { limit: 2, cursor: first.nextCursor ?? undefined }));
        expect(ids(second.items)).toEqual(expected.slice(2, 4));
        const third = await read((s) => s.conversations.list({ customerId }, { limit: 2, cursor: second.nextCursor ?? undefined }));
        expect(ids(third.items)).toEqual(expected.slice(4));
        expect(third.nextCursor).toBeNull();

        const all = await read((s) => s.conversations.list({ customerId }, { limit: 5 }));
        expect(ids(all.items)).toEqual(expected);
        expect(all.nextCursor).toBeNull();
        expect(all.items[0]).toEqual(made[4]);
      });

      it('filters by status and queue, and lists everything without a filter', async () => {
        const customerId = newId();
        const queueId = newId();
        const queued = aConversation({ customerId, status: 'queued', queueId, createdAt: secondsAfter(T0, 1) });
        const assigned = aConversation({ customerId, status: 'assigned', queueId, createdAt: secondsAfter(T0, 2) });
        const elsewhere = aConversation({ customerId, status: 'queued', queueId: newId(), createdAt: secondsAfter(T0, 3) });
        const newestOfAll = aConversation({ createdAt: new Date('2199-01-01T00:00:00.000Z') });
        await tx(async (s) => {
          for (const c of [queued, assigned, elsewhere, newestOfAll]) await s.conversations.insert(c);
        });

        expect(ids((await read((s) => s.conversations.list({ queueId }, { limit: 10 }))).items)).toEqual([assigned.id, queued.id]);
        expect(ids((await read((s) => s.conversations.list({ queueId, status: 'queued' }, { limit: 10 }))).items)).toEqual([
          queued.id,
        ]);
        expect(ids((await read((s) => s.conversations.list({ customerId, status: 'queued' }, { limit: 10 }))).items)).toEqual([
          elsewhere.id,
          queued.id,
        ]);
        expect((await read((s) => s.conversations.list({ status: undefined }, { limit: 1 }))).items[0]?.id).toBe(newestOfAll.id);
        expect(await read((s) => s.conversations.list({ customerId: newId() }, { limit: 10 }))).toEqual({ items: [], nextCursor: null });
      });

      it('filters by the agent a conversation is assigned to now', async () => {
        const [ada, bo] = [newId(), newId()];
        const since = (seconds: number) => ({ since: secondsAfter(T0, seconds) });
        const older = aConversation({ status: 'assigned', assignment: { agentId: ada, ...since(1) }, createdAt: secondsAfter(T0, 1) });
        const newer = aConversation({ status: 'waiting', assignment: { agentId: ada, ...since(2) }, createdAt: secondsAfter(T0, 2) });
        const bos = aConversation({ status: 'assigned', assignment: { agentId: bo, ...since(3) }, createdAt: secondsAfter(T0, 3) });
        const unassigned = aConversation({ status: 'queued', createdAt: secondsAfter(T0, 4) });
        await tx(async (s) => {
          for (const c of [older, newer, bos, unassigned]) await s.conversations.insert(c);
        });

        expect(ids((await read((s) => s.conversations.list({ assignedTo: ada }, { limit: 10 }))).items)).toEqual([newer.id, older.id]);
        expect(ids((await read((s) => s.conversations.list({ assignedTo: ada, status: 'assigned' }, { limit: 10 }))).items)).toEqual([older.id]);
        const firstPage = await read((s) => s.conversations.list({ assignedTo: ada }, { limit: 1 }));
        expect(ids(firstPage.items)).toEqual([newer.id]);
        const secondPage = await read((s) => s.conversations.list({ assignedTo: ada }, { limit: 1, cursor: firstPage.nextCursor ?? undefined }));
        expect(ids(secondPage.items)).toEqual([older.id]);
        expect(secondPage.nextCursor).toBeNull();

        // the assignment ends: the conversation is no longer that agent's
        await tx((s) => s.conversations.update({ ...newer, status: 'queued', assignment: null }));
        expect(ids((await read((s) => s.conversations.list({ assignedTo: ada }, { limit: 10 }))).items)).toEqual([older.id]);
        expect(await read((s) => s.conversations.list({ assignedTo: newId() }, { limit: 10 }))).toEqual({ items: [], nextCursor: null });
        expect(await read((s) => s.conversations.list({ assignedTo: 'not-an-agent-id' }, { limit: 10 }))).toEqual({ items: [], nextCursor: null });
      });

      it('rejects a cursor it did not make', async () => {
        await expect(read((s) => s.conversations.list({}, { limit: 2, cursor: 'not a cursor' }))).rejects.toMatchObject(invalidCursor);
        await expect(read((s) => s.conversations.list({}, { limit: 2, cursor: encodeCursor(['x']) }))).rejects.toMatchObject(
          invalidCursor,
        );
      });
    });

    describe('interactions', () => {
      it('round-trips an entry with attachments, party, data and null fields', async () => {
        const entry = anInteraction({
          threadRef: '<parent@mail.example.com>',
          html: '<p>Hello</p>',
          attachments: [
            { name: 'invoice.pdf', contentType: 'application/pdf', size: 2048, url: 'blob://invoices/1' },
            { name: 'photo.jpg', contentType: 'image/jpeg' },
          ],
          data: { from: 'open', to: 'queued', nested: { n: 1 } },
          agentId: newId(),
        });
        const bare = anInteraction({ externalId: null, subject: null, party: null, sourcePlugin: null, type: 'note', direction: 'internal' });
        await tx(async (s) => {
          await s.interactions.insert(entry);
          await s.interactions.insert(bare);
        });
        expect(await read((s) => s.interactions.get(entry.id))).toEqual(entry);
        expect(await read((s) => s.interactions.get(bare.id))).toEqual(bare);
        expect(await read((s) => s.interactions.get(newId()))).toBeNull();
      });

      it('keeps a conversation’s chain in seq order, with last() as its head', async () => {
        const chain = aChain(4, (i) => ({ occurredAt: secondsAfter(T0, 10 - i) }));
        // inserted out of order: the store orders by seq, not by insertion or time
        await tx(async (s) => {
          for (const entry of [chain[0], chain[2], chain[1], chain[3]]) if (entry) await s.interactions.insert(entry);
        });
        const conversationId = chain[0]?.conversationId ?? '';
        const listed = await read((s) => s.interactions.listByConversation(conversationId));
        expect(listed).toEqual(chain);
        expect(verifyChain(listed).ok).toBe(true);
        expect(await read((s) => s.interactions.last(conversationId))).toEqual(chain[3]);
        expect(await read((s) => s.interactions.last(newId()))).toBeNull();
        expect(await read((s) => s.interactions.listByConversation(newId()))).toEqual([]);
      });

      it('lastInbound answers the newest inbound entry, skipping later outbound and internal ones', async () => {
        const chain = aChain(4, (i) => ({ direction: (['inbound', 'inbound', 'outbound', 'internal'] as const)[i] ?? 'inbound' }));
        await tx(async (s) => {
          for (const entry of chain) await s.interactions.insert(entry);
        });
        const conversationId = chain[0]?.conversationId ?? '';
        expect(await read((s) => s.interactions.lastInbound(conversationId))).toEqual(chain[1]);

        const outboundOnly = anInteraction({ direction: 'outbound' });
        await tx((s) => s.interactions.insert(outboundOnly));
        expect(await read((s) => s.interactions.lastInbound(outboundOnly.conversationId))).toBeNull();
      });

      it('timeline lists a customer’s entries across conversations, newest first, in pages', async () => {
        const customerId = newId();
        const tie = secondsAfter(T0, 50);
        const first = aChain(3, (i) => ({ customerId, occurredAt: secondsAfter(T0, i * 20), recordedAt: secondsAfter(T0, 100) }));
        const second = aChain(3, (i) => ({
          customerId,
          occurredAt: i === 2 ? tie : secondsAfter(T0, 5 + i * 20),
          recordedAt: i === 2 ? secondsAfter(T0, 90) : secondsAfter(T0, 100),
        }));
        const sameTimes = [
          anInteraction({ customerId, occurredAt: tie, recordedAt: secondsAfter(T0, 95) }),
          anInteraction({ customerId, occurredAt: tie, recordedAt: secondsAfter(T0, 95) }),
        ];
        const someoneElse = anInteraction({ occurredAt: secondsAfter(T0, 30) });
        const all = [...first, ...second, ...sameTimes];
        await tx(async (s) => {
          for (const entry of [...all, someoneElse]) await s.interactions.insert(entry);
        });
        const expected = [...all]
          .sort(
            (a, b) =>
              b.occurredAt.getTime() - a.occurredAt.getTime() ||
              b.recordedAt.getTime() - a.recordedAt.getTime() ||
              (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
          )
          .map((e) => e.id);

        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page += 1) {
          const current = await read((s) => s.interactions.timeline([customerId], {}, { limit: 3, cursor }));
          seen.push(...ids(current.items));
          if (current.nextCursor === null) break;
          expect(current.items).toHaveLength(3);
          cursor = current.nextCursor;
        }
        expect(seen).toEqual(expected);

        const whole = await read((s) => s.interactions.timeline([customerId], {}, { limit: 8 }));
        expect(ids(whole.items)).toEqual(expected);
        expect(whole.nextCursor).toBeNull();
        expect(whole.items.find((e) => e.id === first[0]?.id)).toEqual(first[0]);
        expect(await read((s) => s.interactions.timeline([newId()], {}, { limit: 5 }))).toEqual({ items: [], nextCursor: null });
      });

      it('timeline rejects a cursor it did not make', async () => {
        await expect(read((s) => s.interactions.timeline([newId()], {}, { limit: 2, cursor: '%%%' }))).rejects.toMatchObject(invalidCursor);
        await expect(
          read((s) => s.interactions.timeline([newId()], {}, { limit: 2, cursor: encodeCursor(['2026-01-01T00:00:00.000Z', 'x', 1]) })),
        ).rejects.toMatchObject(invalidCursor);
      });

      it('findConversationByRef matches the external id or the thread reference on the channel, newest wins', async () => {
        const ref = `<${uniqueToken()}@mail.example.com>`;
        const byExternalId = anInteraction({ channel: 'email', externalId: ref, occurredAt: secondsAfter(T0, 1) });
        expect(await read((s) => s.interactions.findConversationByRef('email', ref))).toBeNull();
        await tx((s) => s.interactions.insert(byExternalId));
        expect(await read((s) => s.interactions.findConversationByRef('email', ref))).toBe(byExternalId.conversationId);
        expect(await read((s) => s.interactions.findConversationByRef('webchat', ref))).toBeNull();

        const byThread = anInteraction({ channel: 'email', threadRef: ref, occurredAt: secondsAfter(T0, 2) });
        await tx((s) => s.interactions.insert(byThread));
        expect(await read((s) => s.interactions.findConversationByRef('email', ref))).toBe(byThread.conversationId);

        const threadOnly = `thread-${uniqueToken()}`;
        const slack = anInteraction({ channel: 'slack', externalId: `ts-${uniqueToken()}`, threadRef: threadOnly });
        await tx((s) => s.interactions.insert(slack));
        expect(await read((s) => s.interactions.findConversationByRef('slack', threadOnly))).toBe(slack.conversationId);
      });
      it('findByExternalId answers the newest entry on the channel with that external id, inbound or outbound', async () => {
        const externalId = `<${uniqueToken()}@mail.example.com>`;
        expect(await read((s) => s.interactions.findByExternalId('email', externalId))).toBeNull();

        const inbound = anInteraction({ channel: 'email', direction: 'inbound', externalId, occurredAt: secondsAfter(T0, 1) });
        // a thread reference with that value is not an external id
        const answering = anInteraction({ channel: 'email', threadRef: externalId, occurredAt: secondsAfter(T0, 5) });
        await tx(async (s) => {
          await s.interactions.insert(inbound);
          await s.interactions.insert(answering);
        });
        expect(await read((s) => s.interactions.findByExternalId('email', externalId))).toEqual(inbound);

        const outbound = anInteraction({ channel: 'email', direction: 'outbound', externalId, occurredAt: secondsAfter(T0, 2) });
        const otherChannel = anInteraction({ channel: 'webchat', direction: 'inbound', externalId, occurredAt: secondsAfter(T0, 9) });
        await tx(async (s) => {
          await s.interactions.insert(outbound);
          await s.interactions.insert(otherChannel);
        });
        expect(await read((s) => s.interactions.findByExternalId('email', externalId))).toEqual(outbound);
        expect(await read((s) => s.interactions.findByExternalId('webchat', externalId))).toEqual(otherChannel);
        expect(await read((s) => s.interactions.findByExternalId('slack', externalId))).toBeNull();
      });
    });

    runLedgerReadsContract(tx, read);

    describe('inbound receipts', () => {
      it('records (channel, externalId) once and refuses a second receipt', async () => {
        const receipt = { channel: 'email', externalId: `<${uniqueToken()}@mail.example.com>`, interactionId: newId(), receivedAt: T0 };
        expect(await read((s) => s.receipts.find(receipt.channel, receipt.externalId))).toBeNull();
        await tx((s) => s.receipts.insert(receipt));
        expect(await read((s) => s.receipts.find(receipt.channel, receipt.externalId))).toEqual({ interactionId: receipt.interactionId });

        await expect(tx((s) => s.receipts.insert({ ...receipt, interactionId: newId() }))).rejects.toThrow();
        expect(await read((s) => s.receipts.find(receipt.channel, receipt.externalId))).toEqual({ interactionId: receipt.interactionId });

        // the same external id on another channel is another message
        const other = { ...receipt, channel: 'webchat', interactionId: newId() };
        await tx((s) => s.receipts.insert(other));
        expect(await read((s) => s.receipts.find('webchat', receipt.externalId))).toEqual({ interactionId: other.interactionId });
      });
    });

    describe('deliveries', () => {
      it('round-trips and updates a delivery', async () => {
        const delivery = aDelivery();
        await tx((s) => s.deliveries.insert(delivery));
        expect(await read((s) => s.deliveries.get(delivery.interactionId))).toEqual(delivery);
        const retrying = {
          ...delivery,
          status: 'retrying' as const,
          attempts: 2,
          nextAttemptAt: secondsAfter(T0, 60),
          leaseUntil: secondsAfter(T0, 30),
          reason: 'SMTP 451 try again later',
          providerMessageId: '<abc@smtp.example.com>',
          updatedAt: secondsAfter(T0, 10),
        };
        await tx((s) => s.deliveries.update(retrying));
        expect(await read((s) => s.deliveries.get(delivery.interactionId))).toEqual(retrying);
        expect(await read((s) => s.deliveries.get(newId()))).toBeNull();
      });

      it('listDue answers pending or retrying deliveries due by now whose lease is free', async () => {
        const now = new Date('2031-05-05T12:00:00.000Z');
        const dueNow = aDelivery({ status: 'pending', nextAttemptAt: null });
        const dueRetry = aDelivery({ status: 'retrying', nextAttemptAt: secondsAfter(now, -60), leaseUntil: secondsAfter(now, -1) });
        const dueExactly = aDelivery({ status: 'retrying', nextAttemptAt: now });
        const notYet = aDelivery({ status: 'retrying', nextAttemptAt: secondsAfter(now, 60) });
        const leased = aDelivery({ status: 'pending', leaseUntil: secondsAfter(now, 30) });
        const delivered = aDelivery({ status: 'delivered', nextAttemptAt: secondsAfter(now, -60) });
        const dead = aDelivery({ status: 'dead', nextAttemptAt: secondsAfter(now, -60) });
        const made = [dueNow, dueRetry, dueExactly, notYet, leased, delivered, dead];
        await tx(async (s) => {
          for (const d of made) await s.deliveries.insert(d);
        });
        const mine = new Set(made.map((d) => d.interactionId));
        const due = (await read((s) => s.deliveries.listDue(now, 1000))).filter((d) => mine.has(d.interactionId));
        expect(due.map((d) => d.interactionId).sort()).toEqual([dueNow, dueRetry, dueExactly].map((d) => d.interactionId).sort());
        expect(due.find((d) => d.interactionId === dueRetry.interactionId)).toEqual(dueRetry);
        expect((await read((s) => s.deliveries.listDue(now, 1))).length).toBe(1);

        const many = await read((s) => s.deliveries.getMany([dueNow.interactionId, dead.interactionId, newId()]));
        expect(many.map((d) => d.interactionId).sort()).toEqual([dueNow.interactionId, dead.interactionId].sort());
        expect(await read((s) => s.deliveries.getMany([]))).toEqual([]);
      });
    });

    describe('queues', () => {
      it('round-trips a queue with every jsonb field set, finds it by name, updates and deletes it', async () => {
        const overflowTo = newId();
        const queue = aQueue({
          sticky: { windowSeconds: 86_400 },
          cost: 15,
          sla: { firstResponseSeconds: 600, resolutionSeconds: 86_400 },
          overflow: { afterSeconds: 300, queueId: overflowTo },
          aging: { everySeconds: 60, maxBoost: 3 },
          businessHours: { timeZone: 'Europe/London', weekly: { mon: [{ start: '09:00', end: '17:00' }], sat: [{ start: '22:00', end: '02:00' }] }, holidays: [{ date: '2026-12-25' }, { date: '2026-12-24', open: [{ start: '09:00', end: '12:00' }] }] },
        });
        await tx((s) => s.queues.insert(queue));
        expect(await read((s) => s.queues.get(queue.id))).toEqual(queue);
        expect(await read((s) => s.queues.getByName(queue.name))).toEqual(queue);
        expect(ids(await allPages((page) => read((s) => s.queues.list(page))))).toContain(queue.id);

        const changed = {
          ...queue,
          name: `${queue.name}-renamed`,
          skills: { english: 3, billing: 1 },
          strategy: 'round-robin' as const,
          sticky: null,
          cost: { email: 10, default: 20 },
          sla: null,
          overflow: null,
          businessHours: null,
          updatedAt: secondsAfter(queue.updatedAt, 1),
        };
        await tx((s) => s.queues.update(changed));
        expect(await read((s) => s.queues.get(queue.id))).toEqual(changed);
        expect(await read((s) => s.queues.getByName(queue.name))).toBeNull();

        await tx((s) => s.queues.delete(queue.id));
        expect(await read((s) => s.queues.get(queue.id))).toBeNull();
        expect(ids(await allPages((page) => read((s) => s.queues.list(page))))).not.toContain(queue.id);
      });
    });

    describe('agents', () => {
      it('round-trips, lists, lists by presence and updates an agent', async () => {
        const agent = anAgent({
          email: 'bo@example.com',
          skills: { english: 5, billing: 2 },
          capacity: { units: 100, perChannel: { chat: 3 } },
          desk: { slack: 'T01/U02', teams: undefined },
          lastOfferAt: secondsAfter(T0, 5),
        });
        const away = anAgent({ presence: 'away' });
        await tx(async (s) => {
          await s.agents.insert(agent);
          await s.agents.insert(away);
        });
        expect(await read((s) => s.agents.get(agent.id))).toEqual(agent);
        expect(ids(await allPages((page) => read((s) => s.agents.list(page))))).toEqual(expect.arrayContaining([agent.id, away.id]));
        const available = ids(await read((s) => s.agents.listByPresence('available')));
        expect(available).toContain(agent.id);
        expect(available).not.toContain(away.id);

        const busy = { ...agent, presence: 'busy' as const, presenceSince: secondsAfter(T0, 9), lastOfferAt: null, desk: {} };
        await tx((s) => s.agents.update(busy));
        expect(await read((s) => s.agents.get(agent.id))).toEqual(busy);
        expect(ids(await read((s) => s.agents.listByPresence('busy')))).toContain(agent.id);
        expect(await read((s) => s.agents.get(newId()))).toBeNull();
      });

      it('lists the agents of a presence skilled for one of several sets, by name, and the first so many', async () => {
        // A skill of its own, so that agents of other tests never match.
        const skill = `contract-${uniqueToken()}`;
        const presence = 'busy' as const;
        const expert = anAgent({ name: `A ${skill}`, presence, skills: { [skill]: 3, billing: 1 } });
        const novice = anAgent({ name: `B ${skill}`, presence, skills: { [skill]: 1 } });
        const billing = anAgent({ name: `C ${skill}`, presence, skills: { [`${skill}-billing`]: 2 } });
        const elsewhere = anAgent({ name: `D ${skill}`, presence: 'away', skills: { [skill]: 5 } });
        await tx(async (s) => {
          for (const a of [billing, novice, expert, elsewhere]) await s.agents.insert(a);
        });
        const skilledFor = (sets: Record<string, number>[]) => read(async (s) => ids(await s.agents.listByPresence(presence, { skilledFor: sets })));
        expect(await skilledFor([{ [skill]: 2 }])).toEqual([expert.id]);
        expect(await skilledFor([{ [skill]: 1 }])).toEqual([expert.id, novice.id]);
        expect(await skilledFor([{ [skill]: 2, billing: 1 }, { [`${skill}-billing`]: 2 }])).toEqual([expert.id, billing.id]);
        expect(await skilledFor([{ [skill]: 1, billing: 2 }])).toEqual([]);
        expect(await skilledFor([])).toEqual([]);
        // An empty set asks for no skill: every agent of the presence matches.
        expect(await skilledFor([{}])).toEqual(expect.arrayContaining([expert.id, novice.id, billing.id]));
        expect(await skilledFor([{}])).not.toContain(elsewhere.id);
        const first = await read(async (s) => ids(await s.agents.listByPresence(presence, { limit: 1 })));
        expect(first).toHaveLength(1);
        expect(ids(await read((s) => s.agents.listByPresence(presence)))[0]).toBe(first[0]);
      });

      it('getMany answers the agents that exist among the ids asked for, each once', async () => {
        const a = anAgent({ skills: { english: 3 }, lastOfferAt: secondsAfter(T0, 2) });
        const b = anAgent({ presence: 'away' });
        await tx(async (s) => {
          await s.agents.insert(a);
          await s.agents.insert(b);
        });
        const found = await read((s) => s.agents.getMany([b.id, newId(), a.id, b.id, 'not-an-id']));
        expect([...found].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([a, b].sort((x, y) => (x.id < y.id ? -1 : 1)));
        expect(await read((s) => s.agents.getMany([]))).toEqual([]);
      });

      it('updateMany writes each agent given, the last of two with the same id', async () => {
        const a = anAgent({ lastOfferAt: null });
        const b = anAgent({ email: 'b@example.com' });
        await tx(async (s) => {
          await s.agents.insert(a);
          await s.agents.insert(b);
        });
        const a1 = { ...a, lastOfferAt: secondsAfter(T0, 1), updatedAt: secondsAfter(T0, 1) };
        const a2 = { ...a, lastOfferAt: secondsAfter(T0, 2), updatedAt: secondsAfter(T0, 2), skills: { english: 4 } };
        const b2 = { ...b, email: null, presence: 'away' as const, capacity: { units: 50, perChannel: { chat: 2 } }, desk: { slack: 'T1/U1' } };
        await tx((s) => s.agents.updateMany([a1, b2, a2]));
        expect(await read((s) => s.agents.get(a.id))).toEqual(a2);
        expect(await read((s) => s.agents.get(b.id))).toEqual(b2);
      });
    });

    describe('work items', () => {
      it('round-trips, updates and deletes a work item', async () => {
        const item = aWorkItem({ excludedAgents: [newId()], reasons: [{ code: 'all_at_capacity', detail: '3 agents at capacity' }] });
        await tx((s) => s.workItems.insert(item));
        expect(await read((s) => s.workItems.get(item.conversationId))).toEqual(item);
        const offered = { ...item, state: 'offered' as const, priority: 3, excludedAgents: [], declinedAt: secondsAfter(T0, 1), reasons: [], updatedAt: secondsAfter(T0, 1) };
        await tx((s) => s.workItems.update(offered));
        expect(await read((s) => s.workItems.get(item.conversationId))).toEqual(offered);
        await tx((s) => s.workItems.delete(item.conversationId));
        expect(await read((s) => s.workItems.get(item.conversationId))).toBeNull();
      });

      it('getMany answers the items of the conversations that have one, each once', async () => {
        const a = aWorkItem({ reasons: [{ code: 'nobody_available', detail: 'no agent is available' }] });
        const b = aWorkItem({ state: 'offered' });
        await tx((s) => s.workItems.insertMany([a, b]));
        const found = await read((s) => s.workItems.getMany([a.conversationId, newId(), b.conversationId, a.conversationId]));
        const byId = (x: { conversationId: string }, y: { conversationId: string }) => (x.conversationId < y.conversationId ? -1 : 1);
        expect([...found].sort(byId)).toEqual([a, b].sort(byId));
        expect(await read((s) => s.workItems.getMany([]))).toEqual([]);
      });

      it('updateMany writes every field of each item given', async () => {
        const a = aWorkItem({ declinedAt: null });
        const b = aWorkItem({ excludedAgents: [newId()], declinedAt: secondsAfter(T0, 1) });
        await tx((s) => s.workItems.insertMany([a, b]));
        const a2 = { ...a, state: 'offered' as const, priority: 7, relaxationStep: 2, reasons: [], declinedAt: secondsAfter(T0, 5), updatedAt: secondsAfter(T0, 5) };
        const b2 = { ...b, excludedAgents: [], declinedAt: null, reasons: [{ code: 'all_at_capacity' as const, detail: "all 3 skilled agents are at capacity for O'Brien's chat" }], updatedAt: secondsAfter(T0, 6) };
        await tx((s) => s.workItems.updateMany([a2, b2]));
        expect(await read((s) => s.workItems.get(a.conversationId))).toEqual(a2);
        expect(await read((s) => s.workItems.get(b.conversationId))).toEqual(b2);
      });

      it('listWaiting orders by priority desc, then enqueuedAt asc, and leaves offered items out', async () => {
        const queueId = newId();
        const lowOld = aWorkItem({ queueId, priority: 0, enqueuedAt: secondsAfter(T0, 1) });
        const highNew = aWorkItem({ queueId, priority: 5, enqueuedAt: secondsAfter(T0, 30) });
        const highOld = aWorkItem({ queueId, priority: 5, enqueuedAt: secondsAfter(T0, 10) });
        const lowNew = aWorkItem({ queueId, priority: 0, enqueuedAt: secondsAfter(T0, 40) });
        const offered = aWorkItem({ queueId, priority: 9, state: 'offered', enqueuedAt: T0 });
        const otherQueue = aWorkItem({ priority: 9 });
        await tx(async (s) => {
          for (const w of [lowOld, highNew, highOld, lowNew, offered, otherQueue]) await s.workItems.insert(w);
        });
        const order = (items: { conversationId: string }[]) => items.map((w) => w.conversationId);
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 10)))).toEqual(order([highOld, highNew, lowOld, lowNew]));
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 2)))).toEqual(order([highOld, highNew]));
        expect(await read((s) => s.workItems.listWaiting(newId(), 10))).toEqual([]);
        // Aging as of T0 + 100 s, a step per 20 s up to 4: highOld 5+4, highNew 5+3, lowOld 0+4, lowNew 0+3.
        const aged = { now: secondsAfter(T0, 100), aging: { everySeconds: 20, maxBoost: 4 } };
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 10, aged)))).toEqual(order([highOld, highNew, lowOld, lowNew]));
        // The cap reached by all: priorities decide again, then age.
        const capped = { now: secondsAfter(T0, 100), aging: { everySeconds: 1, maxBoost: 60 } };
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 10, capped)))).toEqual(order([highOld, highNew, lowOld, lowNew]));
        // As of T0 + 45 s, a step per 5 s: highOld 5+7, lowOld 0+8 ties highNew 5+3 and is older, lowNew 0+1.
        const overtaking = { now: secondsAfter(T0, 45), aging: { everySeconds: 5, maxBoost: 100 } };
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 10, overtaking)))).toEqual(order([highOld, lowOld, highNew, lowNew]));
        expect(order(await read((s) => s.workItems.listWaiting(queueId, 10, { now: T0, aging: null })))).toEqual(order([highOld, highNew, lowOld, lowNew]));
        // lockFirstSettled: in the same order, the items enqueued before `settledBefore` or left
        // waiting by a pass with a reason; taken one after another in one transaction (its own
        // locks are free to it, so what it took is passed as `except`).
        const settledOrder = (queues: SettledQueue[], depth: number, at: { now: Date; settledBefore: Date }) =>
          tx(async (s) => {
            const taken: string[] = [];
            for (;;) {
              const id = await s.workItems.lockFirstSettled(queues, depth, taken.length === 0 ? at : { ...at, except: taken });
              if (id === null) return taken;
              taken.push(id);
            }
          });
        const late = secondsAfter(T0, 100);
        expect(await settledOrder([{ id: queueId, aging: null }], 10, { now: T0, settledBefore: late })).toEqual(order([highOld, highNew, lowOld, lowNew]));
        // Each queue's head is `depth` deep, in its own aging's order.
        expect(await settledOrder([{ id: queueId, aging: overtaking.aging }], 3, { now: overtaking.now, settledBefore: late })).toEqual(order([highOld, lowOld, highNew]));
        expect(await settledOrder([{ id: newId(), aging: null }], 10, { now: T0, settledBefore: late })).toEqual([]);
        expect(await tx((s) => s.workItems.lockFirstSettled([], 10, { now: T0, settledBefore: late }))).toBeNull();
        // Two queues' heads merged: effective priority (each with its queue's aging), then age.
        const otherId = newId();
        const mid = aWorkItem({ queueId: otherId, priority: 3, enqueuedAt: secondsAfter(T0, 5) });
        await tx((s) => s.workItems.insert(mid));
        expect(await settledOrder([{ id: queueId, aging: null }, { id: otherId, aging: null }], 10, { now: T0, settledBefore: late })).toEqual(
          order([highOld, highNew, mid, lowOld, lowNew]),
        );
        // As of T0 + 100 s, a step per second up to 10: mid is 3 + 10, ahead of the unaged 5s.
        expect(
          await settledOrder([{ id: queueId, aging: null }, { id: otherId, aging: { everySeconds: 1, maxBoost: 10 } }], 10, { now: late, settledBefore: late }),
        ).toEqual(order([mid, highOld, highNew, lowOld, lowNew]));
        // As of T0 + 20 s, lowOld and highOld are settled by age; of the fresh ones, only lowNew, which a pass left waiting.
        await tx((s) => s.workItems.update({ ...lowNew, reasons: [{ code: 'all_at_capacity', detail: 'every skilled agent is at capacity' }] }));
        expect(await settledOrder([{ id: queueId, aging: null }], 10, { now: T0, settledBefore: secondsAfter(T0, 20) })).toEqual(order([highOld, lowOld, lowNew]));
      });

      it('queuesWithWaiting and countByQueue describe what waits where', async () => {
        const busyQueue = newId();
        const offeredOnly = newId();
        const oldest = secondsAfter(T0, 2);
        await tx(async (s) => {
          await s.workItems.insert(aWorkItem({ queueId: busyQueue, enqueuedAt: oldest }));
          await s.workItems.insert(aWorkItem({ queueId: busyQueue, enqueuedAt: secondsAfter(T0, 9) }));
          await s.workItems.insert(aWorkItem({ queueId: busyQueue, state: 'offered', enqueuedAt: secondsAfter(T0, 5) }));
          await s.workItems.insert(aWorkItem({ queueId: offeredOnly, state: 'offered' }));
        });
        const waiting = await read((s) => s.workItems.queuesWithWaiting());
        expect(waiting).toContain(busyQueue);
        expect(waiting).not.toContain(offeredOnly);
        expect(new Set(waiting).size).toBe(waiting.length);

        expect(await read((s) => s.workItems.countByQueue(busyQueue))).toEqual({ waiting: 2, offered: 1, oldestEnqueuedAt: oldest });
        expect(await read((s) => s.workItems.countByQueue(newId()))).toEqual({ waiting: 0, offered: 0, oldestEnqueuedAt: null });
      });
    });

    describe('offers', () => {
      it('round-trips and updates an offer', async () => {
        const offer = anOffer({ createdAt: T0, expiresAt: secondsAfter(T0, 30) });
        await tx((s) => s.offers.insert(offer));
        expect(await read((s) => s.offers.get(offer.id))).toEqual(offer);
        const declined = { ...offer, status: 'declined' as const, answeredAt: secondsAfter(T0, 12), reason: 'busy with a call' };
        await tx((s) => s.offers.update(declined));
        expect(await read((s) => s.offers.get(offer.id))).toEqual(declined);
        expect(await read((s) => s.offers.get(newId()))).toBeNull();
      });

      it('insertMany writes every offer, and none when one of them is refused', async () => {
        const first = anOffer({ createdAt: T0, expiresAt: secondsAfter(T0, 30) });
        const second = anOffer({ createdAt: T0, expiresAt: secondsAfter(T0, 30), reason: "it's O'Brien\\" });
        await tx((s) => s.offers.insertMany([first, second]));
        expect(await read((s) => s.offers.get(first.id))).toEqual(first);
        expect(await read((s) => s.offers.get(second.id))).toEqual(second);
        const third = anOffer({ createdAt: T0, expiresAt: secondsAfter(T0, 30) });
        await expect(tx((s) => s.offers.insertMany([third, first]))).rejects.toThrow();
        expect(await read((s) => s.offers.get(third.id))).toBeNull();
      });

      it('lists by agent newest first, optionally by status, and pending ones by conversation', async () => {
        const agentId = newId();
        const conversationId = newId();
        const oldest = anOffer({ agentId, conversationId, status: 'expired', createdAt: secondsAfter(T0, 1) });
        const middle = anOffer({ agentId, status: 'accepted', createdAt: secondsAfter(T0, 2) });
        const newest = anOffer({ agentId, conversationId, status: 'pending', createdAt: secondsAfter(T0, 3) });
        const someoneElses = anOffer({ conversationId, status: 'pending', createdAt: secondsAfter(T0, 4) });
        await tx(async (s) => {
          for (const o of [oldest, middle, newest, someoneElses]) await s.offers.insert(o);
        });
        expect(ids((await read((s) => s.offers.listByAgent(agentId, undefined, { limit: 10 }))).items)).toEqual([newest.id, middle.id, oldest.id]);
        expect(ids((await read((s) => s.offers.listByAgent(agentId, 'accepted', { limit: 10 }))).items)).toEqual([middle.id]);
        expect(await read((s) => s.offers.listByAgent(agentId, 'rescinded', { limit: 10 }))).toEqual({ items: [], nextCursor: null });
        expect(ids(await read((s) => s.offers.listPendingByConversation(conversationId))).sort()).toEqual(
          [newest.id, someoneElses.id].sort(),
        );
      });

      it('listExpired answers pending offers expiring at or before now', async () => {
        const now = new Date('2032-02-02T10:00:00.000Z');
        const expired = anOffer({ expiresAt: secondsAfter(now, -10) });
        const expiresNow = anOffer({ expiresAt: now });
        const later = anOffer({ expiresAt: secondsAfter(now, 10) });
        const answered = anOffer({ status: 'accepted', expiresAt: secondsAfter(now, -10) });
        const made = [expired, expiresNow, later, answered];
        await tx(async (s) => {
          for (const o of made) await s.offers.insert(o);
        });
        const mine = new Set(ids(made));
        const found = ids(await read((s) => s.offers.listExpired(now, 1000))).filter((id) => mine.has(id));
        expect(found.sort()).toEqual([expired.id, expiresNow.id].sort());
        expect(await read((s) => s.offers.listExpired(now, 1))).toHaveLength(1);
      });
    });

    describe('desk offers', () => {
      it('reads an offer with its agent, conversation, customer, identities, queue, work item and latest entries at once', async () => {
        const customer = aCustomer({ displayName: 'Ann Example' });
        const merged = aCustomer({ displayName: 'Ann (old address)', mergedInto: customer.id });
        const email = anIdentity({ customerId: customer.id, createdAt: T0 });
        const phone = anIdentity({ kind: 'phone', value: `+4416329${String(Date.now()).slice(-5)}`, customerId: customer.id, createdAt: secondsAfter(T0, 1) });
        const elsewhere = anIdentity({ customerId: merged.id, createdAt: T0 });
        const queue = aQueue({ sla: { firstResponseSeconds: 600 } });
        const agent = anAgent({ desk: { slack: 'U0DESK' } });
        const conversation = aConversation({ customerId: customer.id, queueId: queue.id, priority: 3, createdAt: T0 });
        const item = aWorkItem({ conversationId: conversation.id, queueId: queue.id, enqueuedAt: secondsAfter(T0, 2) });
        const offer = anOffer({ agentId: agent.id, conversationId: conversation.id, queueId: queue.id, createdAt: secondsAfter(T0, 3), expiresAt: secondsAfter(T0, 33) });
        const first = anInteraction({ conversationId: conversation.id, customerId: customer.id, subject: 'Order 1234', occurredAt: secondsAfter(T0, 10) });
        const status = anInteraction({ type: 'status', direction: 'internal', subject: null, text: 'queued', occurredAt: secondsAfter(T0, 11) }, first);
        const note = anInteraction({ type: 'note', direction: 'internal', subject: null, text: 'VIP', occurredAt: secondsAfter(T0, 12) }, status);
        const older = anInteraction({ customerId: merged.id, subject: 'Old question', text: 'from before the merge', occurredAt: secondsAfter(T0, 13) });
        await tx(async (s) => {
          await s.customers.insert(customer);
          await s.customers.insert(merged);
          for (const identity of [email, phone, elsewhere]) await s.identities.insert(identity);
          await s.queues.insert(queue);
          await s.agents.insert(agent);
          await s.conversations.insert(conversation);
          await s.workItems.insert(item);
          await s.offers.insert(offer);
          for (const entry of [first, status, note, older]) await s.interactions.insert(entry);
        });
        const shown = await read((s) => s.deskOffers.toShow(offer.id, 10));
        expect(shown).toEqual({
          offer,
          agent,
          conversation,
          customerDisplayName: 'Ann Example',
          identities: [email, phone],
          queue,
          enqueuedAt: item.enqueuedAt,
          // messages and notes only, across the customer and those merged into it, newest first
          recent: [older, note, first].map(({ conversationId, type, direction, channel, subject, text, occurredAt }) => ({ conversationId, type, direction, channel, subject, text, occurredAt })),
        });
        expect((await read((s) => s.deskOffers.toShow(offer.id, 2)))?.recent.map((e) => e.text)).toEqual([older.text, note.text]);
      });

      it('answers null for an unknown offer, and null parts for what is gone', async () => {
        expect(await read((s) => s.deskOffers.toShow(newId(), 5))).toBeNull();
        expect(await read((s) => s.deskOffers.toShow('not-an-id', 5))).toBeNull();
        const orphan = anOffer();
        await tx((s) => s.offers.insert(orphan));
        expect(await read((s) => s.deskOffers.toShow(orphan.id, 5))).toEqual({
          offer: orphan,
          agent: null,
          conversation: null,
          customerDisplayName: null,
          identities: [],
          queue: null,
          enqueuedAt: null,
          recent: [],
        });
      });
    });

    describe('assignments', () => {
      it('finds the active assignment of a conversation until it ends, and counts active ones per queue', async () => {
        const queueId = newId();
        const assignment = anAssignment({ queueId, startedAt: T0 });
        const other = anAssignment({ queueId });
        await tx(async (s) => {
          await s.assignments.insert(assignment);
          await s.assignments.insert(other);
        });
        expect(await read((s) => s.assignments.activeByConversation(assignment.conversationId))).toEqual(assignment);
        expect(await read((s) => s.assignments.countActiveByQueue(queueId))).toBe(2);

        await tx((s) => s.assignments.update({ ...assignment, endedAt: secondsAfter(T0, 600) }));
        expect(await read((s) => s.assignments.activeByConversation(assignment.conversationId))).toBeNull();
        expect(await read((s) => s.assignments.countActiveByQueue(queueId))).toBe(1);
        expect(await read((s) => s.assignments.countActiveByQueue(newId()))).toBe(0);
      });

      it('loads() sums pending offers and active assignments per agent and channel', async () => {
        const ann = newId();
        const bo = newId();
        const idle = newId();
        await tx(async (s) => {
          await s.offers.insert(anOffer({ agentId: ann, channel: 'chat', cost: 25 }));
          await s.offers.insert(anOffer({ agentId: ann, channel: 'chat', cost: 25, status: 'declined' }));
          await s.assignments.insert(anAssignment({ agentId: ann, channel: 'chat', cost: 25 }));
          await s.assignments.insert(anAssignment({ agentId: ann, channel: 'email', cost: 10 }));
          await s.assignments.insert(anAssignment({ agentId: ann, channel: 'call', cost: 100, endedAt: T0 }));
          await s.assignments.insert(anAssignment({ agentId: bo, channel: 'call', cost: 100 }));
        });
        const loads = await read((s) => s.assignments.loads([ann, bo, idle]));
        expect(loads.size).toBe(3);
        expect(loads.get(ann)).toEqual({ units: 60, perChannel: { chat: 2, email: 1 } });
        expect(loads.get(bo)).toEqual({ units: 100, perChannel: { call: 1 } });
        expect(loads.get(idle)).toEqual({ units: 0, perChannel: {} });
        expect((await read((s) => s.assignments.loads([]))).size).toBe(0);
      });
    });

    describe('routing decisions', () => {
      it('lists a conversation’s decisions in time order', async () => {
        const conversationId = newId();
        const later = aRoutingDecision({ conversationId, at: secondsAfter(T0, 20), outcome: 'offered', agentId: newId() });
        const earlier = aRoutingDecision({ conversationId, at: secondsAfter(T0, 10), queueId: null });
        await tx(async (s) => {
          await s.decisions.insert(later);
          await s.decisions.insert(earlier);
          await s.decisions.insert(aRoutingDecision());
        });
        expect(await read((s) => s.decisions.listByConversation(conversationId))).toEqual([earlier, later]);
        expect(await read((s) => s.decisions.listByConversation(newId()))).toEqual([]);
      });
    });

    describe('API keys', () => {
      it('finds a key by hash, lists and revokes it', async () => {
        const key = anApiKey({ scopes: ['admin', 'read'] });
        await tx((s) => s.apiKeys.insert(key));
        expect(await read((s) => s.apiKeys.findByHash(key.hash))).toEqual(key);
        expect(ids(await allPages((page) => read((s) => s.apiKeys.list(page))))).toContain(key.id);
        const revoked = { ...key, revokedAt: secondsAfter(T0, 1) };
        await tx((s) => s.apiKeys.update(revoked));
        expect(await read((s) => s.apiKeys.findByHash(key.hash))).toEqual(revoked);
        expect(await read((s) => s.apiKeys.findByHash('0'.repeat(64)))).toBeNull();
      });

      it('keeps the agent a key is bound to, and null for an unbound key', async () => {
        const bound = anApiKey({ scopes: ['agent'], agentId: newId() });
        const unbound = anApiKey();
        await tx(async (s) => {
          await s.apiKeys.insert(bound);
          await s.apiKeys.insert(unbound);
        });
        expect(await read((s) => s.apiKeys.findByHash(bound.hash))).toEqual(bound);
        expect((await read((s) => s.apiKeys.findByHash(unbound.hash)))?.agentId).toBeNull();
        expect((await read((s) => s.apiKeys.list({ limit: 200 }))).items.find((k) => k.id === bound.id)?.agentId).toBe(bound.agentId);
      });
    });

    describe('plugin state', () => {
      it('keeps JSON values per instance and key, replaces, inserts only when absent, deletes', async () => {
        const a = `teams-${newId()}`;
        const b = `slack-${newId()}`;
        const value = { serviceUrl: 'http://127.0.0.1:1/', ids: ['x', 'y'], n: 3, nested: { ok: true } };
        await tx((s) => s.pluginState.put({ instanceId: a, key: 'ref:29:1', value, updatedAt: T0 }));
        expect((await read((s) => s.pluginState.get(a, 'ref:29:1')))?.value).toEqual(value);
        expect(await read((s) => s.pluginState.get(b, 'ref:29:1'))).toBeNull();
        await tx((s) => s.pluginState.put({ instanceId: a, key: 'ref:29:1', value: 'second', updatedAt: secondsAfter(T0, 1) }));
        expect((await read((s) => s.pluginState.get(a, 'ref:29:1')))?.value).toBe('second');
        expect(await tx((s) => s.pluginState.insertIfAbsent({ instanceId: a, key: 'ref:29:1', value: 'third', updatedAt: T0 }))).toBe(false);
        expect(await tx((s) => s.pluginState.insertIfAbsent({ instanceId: b, key: 'ref:29:1', value: 'other', updatedAt: T0 }))).toBe(true);
        expect((await read((s) => s.pluginState.get(a, 'ref:29:1')))?.value).toBe('second');
        await tx((s) => s.pluginState.delete(a, 'ref:29:1'));
        expect(await read((s) => s.pluginState.get(a, 'ref:29:1'))).toBeNull();
        expect((await read((s) => s.pluginState.get(b, 'ref:29:1')))?.value).toBe('other');
      });

      it('lists an instance\'s keys by prefix, in key order, and rolls back with the transaction', async () => {
        const a = `teams-${newId()}`;
        for (const key of ['offer:b', 'ref:1', 'offer:a', 'offer_c']) await tx((s) => s.pluginState.put({ instanceId: a, key, value: key, updatedAt: T0 }));
        await tx((s) => s.pluginState.put({ instanceId: `${a}x`, key: 'offer:z', value: 1, updatedAt: T0 }));
        expect((await read((s) => s.pluginState.list(a, 'offer:'))).map((e) => e.key)).toEqual(['offer:a', 'offer:b']);
        await expect(
          tx(async (s) => {
            await s.pluginState.put({ instanceId: a, key: 'offer:rolled', value: 1, updatedAt: T0 });
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await read((s) => s.pluginState.get(a, 'offer:rolled'))).toBeNull();
      });

      it('deletes an instance\'s entries under a prefix written before a time, at most `limit` at once', async () => {
        const a = `slack-${newId()}`;
        const put = (instanceId: string, key: string, at: Date) => tx((s) => s.pluginState.put({ instanceId, key, value: key, updatedAt: at }));
        for (const key of ['offer:1', 'offer:2', 'offer:3']) await put(a, key, T0);
        await put(a, 'offer:fresh', secondsAfter(T0, 60));
        await put(a, 'offer_lookalike', T0);
        await put(a, 'thread:c1', T0);
        await put(`${a}x`, 'offer:other-instance', T0);
        const cutoff = secondsAfter(T0, 30);
        expect(await read((s) => s.pluginState.deleteWrittenBefore(a, 'offer:', cutoff, 2))).toBe(2);
        expect(await read((s) => s.pluginState.deleteWrittenBefore(a, 'offer:', cutoff, 2))).toBe(1);
        expect(await read((s) => s.pluginState.deleteWrittenBefore(a, 'offer:', cutoff, 2))).toBe(0);
        expect((await read((s) => s.pluginState.list(a, ''))).map((e) => e.key)).toEqual(['offer:fresh', 'offer_lookalike', 'thread:c1']);
        expect(await read((s) => s.pluginState.get(`${a}x`, 'offer:other-instance'))).not.toBeNull();
      });
    });

    describe('CRM log', () => {
      const entry = (instanceId: string, customerId: string, overrides: Partial<CrmLogEntry> = {}): CrmLogEntry => ({
        instanceId,
        interactionId: newId(),
        customerId,
        conversationId: newId(),
        kind: 'entry',
        status: 'pending',
        attempts: 0,
        leaseUntil: null,
        contactId: null,
        activityId: null,
        lastError: null,
        createdAt: T0,
        updatedAt: T0,
        ...overrides,
      });

      it('adds each (instance, interaction) once and answers open entries in the order added, per customer', async () => {
        const instance = `hubspot-${newId().slice(0, 8)}`;
        const [ann, bob] = [newId(), newId()];
        const rows = [entry(instance, ann), entry(instance, bob), entry(instance, ann), entry(instance, ann, { kind: 'summary' })];
        expect(await tx((s) => s.crmLog.addMany(rows))).toBe(4);
        expect(await tx((s) => s.crmLog.addMany([rows[0]!, entry(`${instance}-other`, ann, { interactionId: rows[0]!.interactionId })]))).toBe(1);
        const open = await read((s) => s.crmLog.open(instance, [ann], 10));
        expect(open.map((e) => e.interactionId)).toEqual([rows[0]!.interactionId, rows[2]!.interactionId, rows[3]!.interactionId]);
        expect(open[2]).toEqual(rows[3]);
        expect((await read((s) => s.crmLog.open(instance, [ann, bob], 2))).map((e) => e.interactionId)).toEqual([rows[0]!.interactionId, rows[1]!.interactionId]);
        expect(await read((s) => s.crmLog.customersWithOpen(instance, T0, 10))).toEqual([ann, bob]);
      });

      it('claims an entry once per lease, renews only the attempt that holds it, and finishes it', async () => {
        const instance = `hubspot-${newId().slice(0, 8)}`;
        const customer = newId();
        const row = entry(instance, customer);
        await tx((s) => s.crmLog.addMany([row]));
        const until = secondsAfter(T0, 30);
        const first = await tx((s) => s.crmLog.claimNext(instance, [customer], 10, T0, until));
        expect(first).toEqual({ claimed: [{ entry: { ...row, status: 'sending', attempts: 1, leaseUntil: until, updatedAt: T0 }, previous: { status: 'pending', attempts: 0 } }], held: false });
        expect(await tx((s) => s.crmLog.claimNext(instance, [customer], 10, secondsAfter(T0, 10), secondsAfter(T0, 40)))).toEqual({ claimed: [], held: true });
        expect(await read((s) => s.crmLog.customersWithOpen(instance, secondsAfter(T0, 10), 10))).toEqual([]);
        expect(await tx((s) => s.crmLog.renew(instance, [{ interactionId: row.interactionId, attempts: 1 }], secondsAfter(T0, 60)))).toBe(1);
        expect(await tx((s) => s.crmLog.renew(instance, [{ interactionId: row.interactionId, attempts: 2 }], secondsAfter(T0, 90)))).toBe(0);
        expect(await tx((s) => s.crmLog.claimNext(instance, [customer], 10, secondsAfter(T0, 45), secondsAfter(T0, 75)))).toMatchObject({ claimed: [], held: true });
        // The lease ran out (the worker died): another attempt takes it, and knows it was being sent.
        const again = await tx((s) => s.crmLog.claimNext(instance, [customer], 10, secondsAfter(T0, 61), secondsAfter(T0, 91)));
        expect(again.claimed).toEqual([{ entry: expect.objectContaining({ status: 'sending', attempts: 2 }), previous: { status: 'sending', attempts: 1 } }]);
        await tx((s) => s.crmLog.updateMany([{ ...again.claimed[0]!.entry, status: 'logged', leaseUntil: null, activityId: 'act-1', contactId: '1001', updatedAt: secondsAfter(T0, 62) }]));
        expect(await read((s) => s.crmLog.open(instance, [customer], 10))).toEqual([]);
        expect(await tx((s) => s.crmLog.renew(instance, [{ interactionId: row.interactionId, attempts: 2 }], secondsAfter(T0, 120)))).toBe(0);
        expect(await read((s) => s.crmLog.listByStatus(instance, 'logged', 10))).toEqual([{ ...row, status: 'logged', attempts: 2, leaseUntil: null, activityId: 'act-1', contactId: '1001', updatedAt: secondsAfter(T0, 62) }]);
        expect(await tx((s) => s.crmLog.claimNext(instance, [customer], 10, secondsAfter(T0, 200), secondsAfter(T0, 230)))).toEqual({ claimed: [], held: false });
      });

      it('claims a page of a customer family\'s open entries in order, never past one whose lease is not over, and records many outcomes at once', async () => {
        const instance = `hubspot-${newId().slice(0, 8)}`;
        const [ann, annMerged, bob] = [newId(), newId(), newId()];
        const rows = [entry(instance, ann), entry(instance, bob), entry(instance, annMerged), entry(instance, ann, { kind: 'summary' }), entry(instance, ann), entry(instance, annMerged)];
        await tx((s) => s.crmLog.addMany(rows));
        const until = secondsAfter(T0, 30);
        const page = await tx((s) => s.crmLog.claimNext(instance, [ann, annMerged], 3, T0, until));
        expect(page.held).toBe(false);
        expect(page.claimed.map((c) => c.entry.interactionId)).toEqual([rows[0]!, rows[2]!, rows[3]!].map((r) => r.interactionId));
        expect(page.claimed.map((c) => c.entry.kind)).toEqual(['entry', 'entry', 'summary']);
        // The next page waits: the first open entry is leased.
        expect(await tx((s) => s.crmLog.claimNext(instance, [ann, annMerged], 3, secondsAfter(T0, 1), until))).toEqual({ claimed: [], held: true });
        // The first two logged, the third backing off: the page stops before it, nothing after it is taken.
        const [a, b, c] = page.claimed.map((x) => x.entry);
        await tx((s) =>
          s.crmLog.updateMany([
            { ...a!, status: 'logged', leaseUntil: null, activityId: 'act-a', updatedAt: secondsAfter(T0, 2) },
            { ...b!, status: 'logged', leaseUntil: null, activityId: 'act-b', updatedAt: secondsAfter(T0, 2) },
            { ...c!, status: 'sending', leaseUntil: secondsAfter(T0, 60), lastError: 'crm: 503', updatedAt: secondsAfter(T0, 2) },
          ]),
        );
        expect(await read((s) => s.crmLog.counts(instance, [ann, annMerged]))).toEqual({ pending: 2, sending: 1, logged: 2, unmatched: 0, dead: 0, skipped: 0 });
        expect(await tx((s) => s.crmLog.claimNext(instance, [ann, annMerged], 3, secondsAfter(T0, 3), until))).toEqual({ claimed: [], held: true });
        // Other customers are not held up.
        expect((await tx((s) => s.crmLog.claimNext(instance, [bob], 3, secondsAfter(T0, 3), until))).claimed.map((x) => x.entry.interactionId)).toEqual([rows[1]!.interactionId]);
        // Once the backoff is over the page starts at that entry again, previous attempt named.
        const later = await tx((s) => s.crmLog.claimNext(instance, [ann, annMerged], 10, secondsAfter(T0, 61), secondsAfter(T0, 91)));
        expect(later.held).toBe(false);
        expect(later.claimed.map((x) => [x.entry.interactionId, x.previous.status, x.previous.attempts, x.entry.attempts])).toEqual([
          [rows[3]!.interactionId, 'sending', 1, 2],
          [rows[4]!.interactionId, 'pending', 0, 1],
          [rows[5]!.interactionId, 'pending', 0, 1],
        ]);
        expect(await tx((s) => s.crmLog.renew(instance, later.claimed.map((x) => ({ interactionId: x.entry.interactionId, attempts: x.entry.attempts })), secondsAfter(T0, 120)))).toBe(3);
        expect((await read((s) => s.crmLog.open(instance, [ann, annMerged], 10))).map((e) => e.leaseUntil)).toEqual([secondsAfter(T0, 120), secondsAfter(T0, 120), secondsAfter(T0, 120)]);
        expect(await tx((s) => s.crmLog.claimNext(instance, [], 10, secondsAfter(T0, 200), secondsAfter(T0, 230)))).toEqual({ claimed: [], held: false });
      });

      it('counts by status and moves a customer\'s entries from some statuses to another, for one instance or all', async () => {
        const [a, b] = [`hubspot-${newId().slice(0, 8)}`, `pipedrive-${newId().slice(0, 8)}`];
        const [ann, bob] = [newId(), newId()];
        await tx((s) => s.crmLog.addMany([entry(a, ann), entry(a, ann, { status: 'unmatched' }), entry(a, ann, { status: 'logged' }), entry(a, bob)]));
        await tx((s) => s.crmLog.addMany([entry(b, ann)]));
        expect(await read((s) => s.crmLog.counts(a, [ann]))).toEqual({ pending: 1, sending: 0, logged: 1, unmatched: 1, dead: 0, skipped: 0 });
        expect(await tx((s) => s.crmLog.setStatusFor(a, [ann], ['unmatched'], 'pending', T0, null))).toBe(1);
        expect(await tx((s) => s.crmLog.setStatusFor(null, [ann], ['pending', 'sending', 'unmatched'], 'skipped', secondsAfter(T0, 5), 'the customer was erased'))).toBe(3);
        expect(await read((s) => s.crmLog.counts(a, [ann]))).toEqual({ pending: 0, sending: 0, logged: 1, unmatched: 0, dead: 0, skipped: 2 });
        expect(await read((s) => s.crmLog.counts(b, [ann]))).toMatchObject({ skipped: 1 });
        expect(await read((s) => s.crmLog.counts(a, [bob]))).toMatchObject({ pending: 1 });
        expect((await read((s) => s.crmLog.listByStatus(a, 'skipped', 10))).map((e) => e.lastError)).toEqual(['the customer was erased', 'the customer was erased']);
        expect(await read((s) => s.crmLog.counts(a, []))).toMatchObject({ pending: 0 });
      });

      it('retries dead entries of one instance (named ones, or all): open again, unleased, no attempts counted', async () => {
        const [a, b] = [`hubspot-${newId().slice(0, 8)}`, `hubspot-${newId().slice(0, 8)}`];
        const ann = newId();
        const dead = (instance: string) => entry(instance, ann, { status: 'dead', attempts: 8, lastError: 'hubspot: 400 property refused', leaseUntil: T0 });
        const [d1, d2, d3, other] = [dead(a), dead(a), dead(a), dead(b)];
        const logged = entry(a, ann, { status: 'logged', attempts: 1 });
        await tx((s) => s.crmLog.addMany([d1, d2, d3, logged]));
        await tx((s) => s.crmLog.addMany([other]));
        await tx((s) => s.crmLog.updateMany([d1, d2, d3, logged, other]));
        const later = secondsAfter(T0, 30);
        expect(await tx((s) => s.crmLog.retryDead(a, [d1.interactionId, logged.interactionId, other.interactionId], later))).toBe(1);
        expect(await read((s) => s.crmLog.open(a, [ann], 10))).toEqual([{ ...d1, status: 'sending', attempts: 0, leaseUntil: null, lastError: null, updatedAt: later }]);
        expect(await tx((s) => s.crmLog.retryDead(a, null, later))).toBe(2);
        expect(await read((s) => s.crmLog.counts(a, [ann]))).toMatchObject({ dead: 0, sending: 3, logged: 1 });
        expect(await read((s) => s.crmLog.counts(b, [ann]))).toMatchObject({ dead: 1 });
        expect(await read((s) => s.crmLog.customersWithOpen(a, later, 10))).toEqual([ann]);
        expect(await tx((s) => s.crmLog.retryDead(a, null, later))).toBe(0);
      });
    });

    describe('reports', () => {
      it('aggregates messages by channel, counts channel hops and cross-channel conversations in a window', async () => {
        // A window of its own, far from what other tests write.
        const W = new Date('2041-01-01T00:00:00.000Z');
        const at = (seconds: number) => secondsAfter(W, seconds);
        const [ann, bob, cy] = [newId(), newId(), newId()];
        const entry = (channel: string, direction: 'inbound' | 'outbound' | 'internal', occurredAt: Date, type: 'message' | 'note' = 'message') => ({ channel, direction, occurredAt, recordedAt: occurredAt, type });
        const shape = (customerId: string, conversationId: string, entries: ReturnType<typeof entry>[]) => aChain(entries.length, (i) => ({ customerId, conversationId, ...entries[i]! }));
        const a = shape(ann, newId(), [entry('email', 'inbound', at(0)), entry('email', 'outbound', at(60)), entry('sms', 'inbound', at(120)), entry('webchat', 'inbound', at(180)), entry('webchat', 'internal', at(200), 'note')]);
        const b = shape(bob, newId(), [entry('sms', 'inbound', at(300)), entry('sms', 'outbound', at(400)), entry('sms', 'inbound', at(500))]);
        // Began before the window: its hop inside counts, its first response does not.
        const c = shape(cy, newId(), [entry('email', 'inbound', at(-60)), entry('webchat', 'inbound', at(30))]);
        // After the window: nothing of it counts.
        const late = shape(newId(), newId(), [entry('email', 'inbound', at(90_000)), entry('sms', 'inbound', at(90_060))]);
        await tx(async (s) => {
          await s.conversations.insertMany([a, b, c, late].map((chain) => aConversation({ id: chain[0]!.conversationId, customerId: chain[0]!.customerId })));
          for (const chain of [a, b, c, late]) await s.interactions.insertMany(chain);
        });
        const until = at(86_400);
        expect(await read((s) => s.reports.channelActivity(W, until))).toEqual([
          { channel: 'email', inbound: 1, outbound: 1, conversations: 1, customers: 1, firstResponse: { answered: 1, medianSeconds: 60 } },
          { channel: 'sms', inbound: 3, outbound: 1, conversations: 2, customers: 2, firstResponse: { answered: 1, medianSeconds: 100 } },
          { channel: 'webchat', inbound: 2, outbound: 0, conversations: 2, customers: 2, firstResponse: { answered: 0, medianSeconds: null } },
        ]);
        expect(await read((s) => s.reports.channelHops(W, until))).toEqual([
          { from: 'email', to: 'sms', count: 1 },
          { from: 'email', to: 'webchat', count: 1 },
          { from: 'sms', to: 'webchat', count: 1 },
        ]);
        expect(await read((s) => s.reports.conversationSpread(W, until))).toEqual({ conversations: 3, crossChannel: 1 });
        expect(await read((s) => s.reports.channelActivity(at(-120), at(-1)))).toEqual([
          { channel: 'email', inbound: 1, outbound: 0, conversations: 1, customers: 1, firstResponse: { answered: 0, medianSeconds: null } },
        ]);
        expect(await read((s) => s.reports.channelHops(at(-120), at(-1)))).toEqual([]);
      });
    });

    describe('paginated lists', () => {
      const mineOf = (seen: string[], mine: readonly { id: string }[]) => seen.filter((id) => mine.some((m) => m.id === id));

      it('lists agents by name, then id, in pages that neither repeat nor skip', async () => {
        const token = uniqueToken();
        const made = [
          anAgent({ name: `pager ${token} b` }),
          anAgent({ name: `pager ${token} a` }),
          anAgent({ name: `pager ${token} a` }),
          anAgent({ name: `pager ${token} c` }),
        ];
        await tx(async (s) => {
          for (const a of made) await s.agents.insert(a);
        });
        const seen = await walk((page) => read((s) => s.agents.list(page)), 2);
        expect(new Set(seen).size).toBe(seen.length);
        expect(mineOf(seen, made)).toEqual(ids([...made].sort(byKeyThenId((a) => a.name))));
        expect(seen).toEqual(ids((await read((s) => s.agents.list({ limit: 10_000 }))).items));
      });

      it('lists queues by name in pages', async () => {
        const token = uniqueToken();
        const made = [aQueue({ name: `pager-${token}-b` }), aQueue({ name: `pager-${token}-c` }), aQueue({ name: `pager-${token}-a` })];
        await tx(async (s) => {
          for (const q of made) await s.queues.insert(q);
        });
        const seen = await walk((page) => read((s) => s.queues.list(page)), 2);
        expect(new Set(seen).size).toBe(seen.length);
        expect(mineOf(seen, made)).toEqual(ids([...made].sort(byKeyThenId((q) => q.name))));
        const first = await read((s) => s.queues.list({ limit: 1 }));
        expect(first.items).toHaveLength(1);
        expect(first.nextCursor).not.toBeNull();
      });

      it('lists an agent’s offers newest first (createdAt, then id) in pages, of one status or all', async () => {
        const agentId = newId();
        const tie = secondsAfter(T0, 20);
        const made = [
          anOffer({ agentId, status: 'pending', createdAt: secondsAfter(T0, 10) }),
          anOffer({ agentId, status: 'pending', createdAt: tie }),
          anOffer({ agentId, status: 'accepted', createdAt: tie }),
          anOffer({ agentId, status: 'pending', createdAt: secondsAfter(T0, 30) }),
          anOffer({ status: 'pending', createdAt: secondsAfter(T0, 40) }),
        ];
        await tx(async (s) => {
          for (const o of made) await s.offers.insert(o);
        });
        const newestFirst = (offers: typeof made) =>
          ids([...offers].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)));
        const agents = made.filter((o) => o.agentId === agentId);
        expect(await walk((page) => read((s) => s.offers.listByAgent(agentId, undefined, page)), 2)).toEqual(newestFirst(agents));

        const pending = agents.filter((o) => o.status === 'pending');
        const first = await read((s) => s.offers.listByAgent(agentId, 'pending', { limit: 2 }));
        expect(ids(first.items)).toEqual(newestFirst(pending).slice(0, 2));
        expect(first.nextCursor).not.toBeNull();
        const second = await read((s) => s.offers.listByAgent(agentId, 'pending', { limit: 2, cursor: first.nextCursor ?? undefined }));
        expect(ids(second.items)).toEqual(newestFirst(pending).slice(2));
        expect(second.nextCursor).toBeNull();
        expect(second.items[0]).toEqual(made[0]);
      });

      it('lists API keys newest first (createdAt, then id) in pages', async () => {
        const tie = new Date('2198-01-01T00:00:00.000Z');
        const made = [anApiKey({ createdAt: secondsAfter(tie, -60) }), anApiKey({ createdAt: tie }), anApiKey({ createdAt: tie })];
        await tx(async (s) => {
          for (const k of made) await s.apiKeys.insert(k);
        });
        const seen = await walk((page) => read((s) => s.apiKeys.list(page)), 2);
        expect(new Set(seen).size).toBe(seen.length);
        expect(mineOf(seen, made)).toEqual(
          ids([...made].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))),
        );
      });

      it('rejects cursors they did not make', async () => {
        const lists: ((cursor: string) => Promise<unknown>)[] = [
          (cursor) => read((s) => s.agents.list({ limit: 2, cursor })),
          (cursor) => read((s) => s.queues.list({ limit: 2, cursor })),
          (cursor) => read((s) => s.offers.listByAgent(newId(), undefined, { limit: 2, cursor })),
          (cursor) => read((s) => s.apiKeys.list({ limit: 2, cursor })),
        ];
        for (const list of lists) {
          await expect(list('not a cursor')).rejects.toMatchObject(invalidCursor);
          await expect(list(encodeCursor(['x']))).rejects.toMatchObject(invalidCursor);
          await expect(list(encodeCursor([7, 'not-an-id']))).rejects.toMatchObject(invalidCursor);
        }
        await expect(read((s) => s.offers.listByAgent(newId(), 'pending', { limit: 2, cursor: encodeCursor(['no date', newId()]) }))).rejects.toMatchObject(invalidCursor);
        await expect(read((s) => s.apiKeys.list({ limit: 2, cursor: encodeCursor(['no date', newId()]) }))).rejects.toMatchObject(invalidCursor);
      });
    });

    describe('outbox', () => {
      const resolved = (): DomainEvent => ({ type: 'conversation.resolved', conversationId: newId() });
      const drain = () =>
        tx(async (s) => {
          for (;;) {
            const claimed = await s.outbox.claimUndispatched(100);
            if (claimed.length === 0) return;
            await s.outbox.markDispatched(ids(claimed), new Date());
          }
        });

      it('hands out undispatched events oldest first, in the order they were added, until marked dispatched', async () => {
        await drain();
        const [e1, e2, e3] = [resolved(), resolved(), { type: 'delivery.requested', interactionId: newId(), attempt: 1 } as const];
        await tx((s) => s.outbox.add([e1, e2]));
        await tx((s) => s.outbox.add([e3]));
        await tx((s) => s.outbox.add([]));

        const dispatchedAt = secondsAfter(T0, 1);
        const firstTwo = await tx(async (s) => {
          const claimed = await s.outbox.claimUndispatched(2);
          await s.outbox.markDispatched(ids(claimed), dispatchedAt);
          return claimed;
        });
        expect(firstTwo.map((o) => o.event)).toEqual([e1, e2]);
        expect(firstTwo.every((o) => o.dispatchedAt === null && o.createdAt instanceof Date)).toBe(true);

        const rest = await tx((s) => s.outbox.claimUndispatched(10));
        expect(rest.map((o) => o.event)).toEqual([e3]);
        expect(await read((s) => s.outbox.hasUndispatched())).toBe(true);
        await tx((s) => s.outbox.markDispatched(ids(rest), dispatchedAt));
        expect(await read((s) => s.outbox.claimUndispatched(10))).toEqual([]);
        expect(await read((s) => s.outbox.hasUndispatched())).toBe(false);
      });

      it('lets a second relay skip what a first one has claimed', async () => {
        await drain();
        const [e4, e5] = [resolved(), resolved()];
        await tx((s) => s.outbox.add([e4, e5]));

        let claimedByA: () => void = () => {};
        const aHasClaimed = new Promise<void>((resolve) => {
          claimedByA = resolve;
        });
        const relayA = tx(async (s) => {
          const claimed = await s.outbox.claimUndispatched(1);
          claimedByA();
          await sleep(150);
          await s.outbox.markDispatched(ids(claimed), new Date());
          return claimed;
        });
        await aHasClaimed;
        const relayB = tx(async (s) => {
          const claimed = await s.outbox.claimUndispatched(10);
          await s.outbox.markDispatched(ids(claimed), new Date());
          return claimed;
        });
        const [a, b] = await Promise.all([relayA, relayB]);
        expect(a.map((o) => o.event)).toEqual([e4]);
        expect(b.map((o) => o.event)).toEqual([e5]);
      });

      it('prunes dispatched events past the retention, never one still to dispatch', async () => {
        await drain();
        const [done, waiting] = [resolved(), resolved()];
        await tx((s) => s.outbox.add([done]));
        await tx(async (s) => s.outbox.markDispatched(ids(await s.outbox.claimUndispatched(10)), new Date()));
        await tx((s) => s.outbox.add([waiting]));
        const hourAgo = new Date(Date.now() - 3_600_000);
        expect(await tx((s) => s.outbox.pruneDispatched(hourAgo, 1000))).toBe(0);
        const later = new Date(Date.now() + 1000);
        expect(await tx((s) => s.outbox.pruneDispatched(later, 0))).toBe(0);
        let pruned = 0;
        for (let n = await tx((s) => s.outbox.pruneDispatched(later, 1)); n > 0; n = await tx((s) => s.outbox.pruneDispatched(later, 1))) pruned += n;
        expect(pruned).toBeGreaterThanOrEqual(1);
        expect(await tx((s) => s.outbox.pruneDispatched(later, 1000))).toBe(0);
        expect((await read((s) => s.outbox.claimUndispatched(10))).map((o) => o.event)).toEqual([waiting]);
      });

      it('runs two relays one after the other, so what they plan follows the outbox order (the CRM log depends on it)', async () => {
        await drain();
        const [e6, e7] = [resolved(), resolved()];
        await tx((s) => s.outbox.add([e6]));
        const planned: DomainEvent[][] = [];
        let release: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        let entered: () => void = () => {};
        const aIsPlanning = new Promise<void>((resolve) => {
          entered = resolve;
        });
        const recorder = (wait: boolean): JobContribution<StoreSession> => ({
          name: 'routing.route',
          run: async () => false,
          plan: async (events) => {
            if (wait) {
              entered();
              await gate;
            }
            planned.push(events.map((e) => e.event));
            return [];
          },
        });
        const noQueue = { enqueue: async () => {} } as unknown as JobQueue;
        const relayA = new RelayOutbox(store(), noQueue, systemClock, [recorder(true)]).run();
        await aIsPlanning;
        // Stores that run transactions one at a time take e7 only once A has committed.
        setTimeout(release, 200);
        await tx((s) => s.outbox.add([e7]));
        const relayB = new RelayOutbox(store(), noQueue, systemClock, [recorder(false)]).run();
        await Promise.all([relayA, relayB]);
        expect(planned).toEqual([[e6], [e7]]);
      });
    });

    describe('batch operations (group-committed ingest)', () => {
      const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

      it('inserts and reads customers, identities, conversations and interactions many at a time', async () => {
        const customers = [aCustomer(), aCustomer({ displayName: null })];
        const identities = customers.map((c) => anIdentity({ customerId: c.id }));
        const conversations = customers.map((c) => aConversation({ customerId: c.id }));
        const first = anInteraction({ conversationId: conversations[0]!.id, customerId: customers[0]!.id });
        const entries = [first, anInteraction({}, first), anInteraction({ conversationId: conversations[1]!.id, customerId: customers[1]!.id })];
        await tx(async (s) => {
          await s.customers.insertMany(customers);
          await s.identities.insertMany(identities);
          await s.conversations.insertMany(conversations);
          await s.interactions.insertMany(entries);
        });
        const ids = [...customers.map((c) => c.id), newId(), 'not-a-uuid'];
        expect(byId(await read((s) => s.customers.getMany(ids)))).toEqual(byId(customers));
        const foundIdentities = await read((s) => s.identities.findMany([...identities, { kind: 'email', value: `nobody-${uniqueToken()}@example.com` }]));
        expect(foundIdentities.map((i) => i.customerId).sort()).toEqual(customers.map((c) => c.id).sort());
        expect(byId(await read((s) => s.conversations.getMany(conversations.map((c) => c.id))))).toEqual(byId(conversations));
        expect(byId(await read((s) => s.interactions.getMany(entries.map((e) => e.id))))).toEqual(byId(entries));
        const heads = await read((s) => s.interactions.lastMany([...conversations.map((c) => c.id), newId()]));
        expect(heads.map((h) => h.id).sort()).toEqual([entries[1]!.id, entries[2]!.id].sort());
        expect(await read((s) => s.customers.getMany([]))).toEqual([]);
        await tx(async (s) => {
          await s.customers.insertMany([]);
          await s.interactions.insertMany([]);
          await s.lockAll([]);
        });
      });

      it('findOpenMany answers the most recently active open conversation of each customer', async () => {
        const [ann, bob, cy] = [aCustomer(), aCustomer(), aCustomer()];
        const since = secondsAfter(T0, 0);
        const annOld = aConversation({ customerId: ann!.id, status: 'queued', updatedAt: secondsAfter(T0, 10) });
        const annNew = aConversation({ customerId: ann!.id, status: 'assigned', updatedAt: secondsAfter(T0, 20) });
        const annResolved = aConversation({ customerId: ann!.id, status: 'resolved', updatedAt: secondsAfter(T0, 30) });
        const bobStale = aConversation({ customerId: bob!.id, status: 'queued', updatedAt: secondsAfter(T0, -60) });
        await tx((s) => s.conversations.insertMany([annOld, annNew, annResolved, bobStale]));
        const open = await read((s) => s.conversations.findOpenMany([ann!.id, bob!.id, cy!.id], since));
        expect(open.map((c) => c.id)).toEqual([annNew.id]);
      });

      it('findConversationsByRefs matches external ids and thread refs per channel, newest first', async () => {
        const token = uniqueToken();
        const older = anInteraction({ channel: 'email', externalId: `<a-${token}>`, occurredAt: secondsAfter(T0, 1) });
        const newer = anInteraction({ channel: 'email', externalId: `<b-${token}>`, threadRef: `<a-${token}>`, occurredAt: secondsAfter(T0, 2) });
        const chat = anInteraction({ channel: 'webchat', externalId: `<a-${token}>` });
        await tx((s) => s.interactions.insertMany([older, newer, chat]));
        const found = await read((s) =>
          s.interactions.findConversationsByRefs([
            { channel: 'email', ref: `<a-${token}>` },
            { channel: 'webchat', ref: `<a-${token}>` },
            { channel: 'email', ref: `<nothing-${token}>` },
          ]),
        );
        const byRef = Object.fromEntries(found.map((f) => [`${f.channel}/${f.ref}`, f.conversationId]));
        expect(byRef).toEqual({ [`email/<a-${token}>`]: newer.conversationId, [`webchat/<a-${token}>`]: chat.conversationId });
      });

      it('findConversationsByRefs with channel null matches an external id on any channel, newest first, never a thread ref', async () => {
        const token = uniqueToken();
        const theirs = anInteraction({ channel: 'email-sales', direction: 'inbound', externalId: `<x-${token}>`, occurredAt: secondsAfter(T0, 1) });
        const ours = anInteraction({ channel: 'email', direction: 'outbound', externalId: `<y-${token}>`, occurredAt: secondsAfter(T0, 2) });
        const copy = anInteraction({ channel: 'email', externalId: `<x-${token}>`, occurredAt: secondsAfter(T0, 3) });
        const threadOnly = anInteraction({ channel: 'email', externalId: `<z-${token}>`, threadRef: `<t-${token}>`, occurredAt: secondsAfter(T0, 4) });
        await tx((s) => s.interactions.insertMany([theirs, ours, copy, threadOnly]));
        const found = await read((s) =>
          s.interactions.findConversationsByRefs([
            { channel: null, ref: `<x-${token}>` },
            { channel: null, ref: `<y-${token}>` },
            { channel: null, ref: `<t-${token}>` },
            { channel: 'email-sales', ref: `<y-${token}>` },
          ]),
        );
        const byRef = Object.fromEntries(found.map((f) => [`${f.channel ?? '*'}/${f.ref}`, f.conversationId]));
        expect(byRef).toEqual({ [`*/<x-${token}>`]: copy.conversationId, [`*/<y-${token}>`]: ours.conversationId });
      });

      it('claimMany inserts only new receipts and findMany reads them back', async () => {
        const token = uniqueToken();
        const existing = { channel: 'webhook', externalId: `m1-${token}`, interactionId: newId(), receivedAt: T0 };
        await tx((s) => s.receipts.insert(existing));
        const fresh = { channel: 'webhook', externalId: `m2-${token}`, interactionId: newId(), receivedAt: T0 };
        const claimed = await tx((s) => s.receipts.claimMany([{ ...existing, interactionId: newId() }, fresh]));
        expect(claimed).toEqual([{ channel: 'webhook', externalId: fresh.externalId }]);
        const found = await read((s) => s.receipts.findMany([existing, fresh, { channel: 'webhook', externalId: `m3-${token}` }]));
        expect(found.map((r) => r.interactionId).sort()).toEqual([existing.interactionId, fresh.interactionId].sort());
      });

      it('claimMany in a concurrent transaction waits for the first and then skips its rows', async () => {
        const receipt = { channel: 'webhook', externalId: `race-${uniqueToken()}`, interactionId: newId(), receivedAt: T0 };
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let claimedByA: () => void = () => {};
        const aClaimed = new Promise<void>((resolve) => {
          claimedByA = resolve;
        });
        const a = tx(async (s) => {
          const won = await s.receipts.claimMany([receipt]);
          claimedByA();
          await held;
          return won.length;
        });
        await aClaimed;
        const b = tx((s) => s.receipts.claimMany([{ ...receipt, interactionId: newId() }]).then((won) => won.length));
        await sleep(100);
        release();
        expect([await a, await b]).toEqual([1, 0]);
        expect(await read((s) => s.receipts.find(receipt.channel, receipt.externalId))).toEqual({ interactionId: receipt.interactionId });
      });

      it('inserts work items many at a time', async () => {
        const queueId = newId();
        const items = [aWorkItem({ queueId, priority: 1 }), aWorkItem({ queueId, priority: 5 })];
        await tx((s) => s.workItems.insertMany(items));
        expect((await read((s) => s.workItems.listWaiting(queueId, 10))).map((i) => i.conversationId)).toEqual([items[1]!.conversationId, items[0]!.conversationId]);
      });
    });

    describe('transactions', () => {
      it('commits everything written in a transaction together', async () => {
        const customer = aCustomer();
        const conversation = aConversation({ customerId: customer.id });
        const result = await tx(async (s) => {
          await s.customers.insert(customer);
          await s.conversations.insert(conversation);
          return 'done';
        });
        expect(result).toBe('done');
        expect(await read(async (s) => [await s.customers.get(customer.id), await s.conversations.get(conversation.id)])).toEqual([
          customer,
          conversation,
        ]);
      });

      it('leaves nothing behind when the work throws', async () => {
        const customer = aCustomer();
        const identity = anIdentity({ customerId: customer.id });
        const entry = anInteraction({ customerId: customer.id });
        const receipt = { channel: 'email', externalId: entry.externalId ?? '', interactionId: entry.id, receivedAt: T0 };
        await expect(
          tx(async (s) => {
            await s.customers.insert(customer);
            await s.identities.insert(identity);
            await s.interactions.insert(entry);
            await s.receipts.insert(receipt);
            throw new Error('boom after writing');
          }),
        ).rejects.toThrow('boom after writing');
        expect(
          await read(async (s) => [
            await s.customers.get(customer.id),
            await s.identities.find(identity),
            await s.interactions.get(entry.id),
            await s.receipts.find(receipt.channel, receipt.externalId),
          ]),
        ).toEqual([null, null, null, null]);
        // and the same writes succeed afterwards: the failed attempt holds nothing
        await tx(async (s) => {
          await s.customers.insert(customer);
          await s.receipts.insert(receipt);
        });
        expect(await read((s) => s.customers.get(customer.id))).toEqual(customer);
      });

      it('lock() makes the next statements of a second transaction on the same key wait for the first to end', async () => {
        const key = `contract:${newId()}`;
        const events: string[] = [];
        let lockedByA: () => void = () => {};
        const aHasLock = new Promise<void>((resolve) => {
          lockedByA = resolve;
        });
        // The lock is held once a statement after it has run (a store may send it with that statement).
        const a = tx(async (s) => {
          await s.lock(key);
          await s.customers.get(newId());
          events.push('a locked');
          lockedByA();
          await sleep(200);
          events.push('a done');
        });
        await aHasLock;
        const b = tx(async (s) => {
          await s.lock(key);
          await s.customers.get(newId());
          events.push('b locked');
        });
        await Promise.all([a, b]);
        expect(events).toEqual(['a locked', 'a done', 'b locked']);
      });

      it('lockFirstSettled() skips an item whose lock another transaction holds, without waiting, and locks nothing after it', async () => {
        const queueId = newId();
        const [first, second, third] = [1, 2, 3].map((n) => aWorkItem({ queueId, enqueuedAt: secondsAfter(T0, n) }));
        await tx(async (s) => {
          for (const w of [first!, second!, third!]) await s.workItems.insert(w);
        });
        const heads = [{ id: queueId, aging: null }];
        const at = { now: secondsAfter(T0, 60), settledBefore: secondsAfter(T0, 60) };
        const gate = () => {
          let open: () => void = () => {};
          const opened = new Promise<void>((resolve) => {
            open = resolve;
          });
          return { open, opened };
        };
        const aLocked = gate();
        const releaseA = gate();
        const releaseB = gate();
        let bTook: (id: string | null) => void = () => {};
        const bTaken = new Promise<string | null>((resolve) => {
          bTook = resolve;
        });
        // A router holds the first item's conversation.
        const a = tx(async (s) => {
          await s.lock(lockKeys.conversation(first!.conversationId));
          await s.customers.get(newId());
          aLocked.open();
          await Promise.race([releaseA.opened, sleep(5000)]);
        });
        await aLocked.opened;
        const b = tx(async (s) => {
          const taken = await s.workItems.lockFirstSettled(heads, 10, at);
          bTook(taken);
          await Promise.race([releaseB.opened, sleep(5000)]);
          return taken;
        });
        const early = await Promise.race([bTaken, sleep(1000).then(() => 'still waiting' as const)]);
        if (early === 'still waiting') {
          // A store that runs one transaction at a time starts B once A has ended: the first is free then.
          releaseA.open();
          releaseB.open();
          await a;
          expect(await b).toBe(first!.conversationId);
          return;
        }
        // While A holds the first, B took the second and left the third free: a third transaction
        // takes it without waiting, and one that may not take the third finds nothing free.
        expect(early).toBe(second!.conversationId);
        const next = await Promise.race([tx((t) => t.workItems.lockFirstSettled(heads, 10, at)), sleep(1000).then(() => 'blocked')]);
        const none = await Promise.race([tx((t) => t.workItems.lockFirstSettled(heads, 10, { ...at, except: [third!.conversationId] })), sleep(1000).then(() => 'blocked')]);
        releaseA.open();
        releaseB.open();
        await Promise.all([a, b]);
        expect(next).toBe(third!.conversationId);
        expect(none).toBeNull();
      });

      it('lock() in a read session does not fail', async () => {
        await expect(read((s) => s.lock(`contract:${newId()}`))).resolves.toBeUndefined();
      });
    });
  });
};
