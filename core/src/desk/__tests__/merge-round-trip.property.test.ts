import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../../ledger/hash-chain.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, aCustomer, anIdentity } from '../../testing/mothers.js';
import type { Actor } from '../ports/desk-commands.port.js';
import { ManageCustomers } from '../use-cases/manage-customers.use-case.js';

const operator: Actor = { kind: 'operator' };

// A random graph: customers with attributes, identities and conversations; optionally one earlier
// merge into the customer that is then merged; between merge and unmerge, additions to the survivor.
const graph = fc.record({
  customers: fc.array(
    fc.record({
      attributes: fc.dictionary(fc.constantFrom('tier', 'city', 'lang', 'vip'), fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean()), { maxKeys: 3 }),
      identities: fc.integer({ min: 0, max: 3 }),
      conversations: fc.integer({ min: 0, max: 3 }),
    }),
    { minLength: 2, maxLength: 5 },
  ),
  survivor: fc.nat(),
  merged: fc.nat(),
  earlier: fc.option(fc.nat(), { nil: null }),
  policy: fc.record({ prefer: fc.constantFrom(undefined, 'survivor' as const, 'merged' as const), keys: fc.option(fc.dictionary(fc.constantFrom('tier', 'city'), fc.constantFrom('survivor' as const, 'merged' as const)), { nil: undefined }) }),
  addedIdentities: fc.integer({ min: 0, max: 2 }),
  addedConversations: fc.integer({ min: 0, max: 2 }),
  changeAttribute: fc.boolean(),
});

describe('merge → unmerge round trips (property, in-memory store)', () => {
  it('restores exactly what the merge moved, keeps what was added since, and every chain verifies', async () => {
    await fc.assert(
      fc.asyncProperty(graph, async (g) => {
        const store = new InMemoryStore();
        const customers = new ManageCustomers(store, aClock());
        const people = g.customers.map((c) => ({ ...c, customer: aCustomer({ attributes: c.attributes, displayName: null }) }));
        const ids = people.map((p) => p.customer.id);
        const survivorId = ids[g.survivor % ids.length]!;
        const others = ids.filter((id) => id !== survivorId);
        const mergedId = others[g.merged % others.length]!;
        await store.transaction(async (s) => {
          await s.customers.insertMany(people.map((p) => p.customer));
          for (const p of people) {
            await s.identities.insertMany(Array.from({ length: p.identities }, () => anIdentity({ customerId: p.customer.id })));
            await s.conversations.insertMany(Array.from({ length: p.conversations }, () => aConversation({ customerId: p.customer.id })));
          }
        });
        const earlierFrom = g.earlier === null ? undefined : ids.filter((id) => id !== survivorId && id !== mergedId)[g.earlier % Math.max(1, ids.length - 2)];
        if (earlierFrom !== undefined) await customers.merge(operator, mergedId, earlierFrom);

        const snapshot = () =>
          store.read(async (s) => ({
            customers: (await s.customers.getMany(ids)).map(({ id, attributes, mergedInto, displayName }) => ({ id, attributes, mergedInto, displayName })).sort((a, b) => a.id.localeCompare(b.id)),
            identities: (await Promise.all(ids.map((id) => s.identities.listByCustomer(id)))).flat().map((i) => `${i.kind}:${i.value}→${i.customerId}`).sort(),
            conversations: (await Promise.all(ids.map(async (id) => (await s.conversations.list({ customerId: id }, { limit: 100 })).items))).flat().map((c) => `${c.id}→${c.customerId}`).sort(),
          }));
        const before = await snapshot();

        const merge = await customers.merge(operator, survivorId, mergedId, { attributes: g.policy });
        const added = { identities: [] as string[], conversations: [] as string[] };
        for (let i = 0; i < g.addedIdentities; i += 1) {
          const key = anIdentity();
          await customers.link(operator, survivorId, { kind: key.kind, value: key.value });
          added.identities.push(`${key.kind}:${key.value}→${survivorId}`);
        }
        for (let i = 0; i < g.addedConversations; i += 1) {
          const conversation = aConversation({ customerId: survivorId });
          await store.transaction((s) => s.conversations.insert(conversation));
          added.conversations.push(`${conversation.id}→${survivorId}`);
        }
        let changedKey: string | null = null;
        if (g.changeAttribute && merge.moved.attributes.length > 0) {
          // An attribute the merge set, changed again since: unmerge leaves the newer value.
          changedKey = merge.moved.attributes[0]!.key;
          await store.transaction(async (s) => {
            const survivor = (await s.customers.get(survivorId))!;
            await s.customers.update({ ...survivor, attributes: { ...survivor.attributes, [changedKey!]: 'changed since' } });
          });
        }

        await customers.unmerge(operator, survivorId, mergedId);
        const after = await snapshot();
        expect(after.identities).toEqual([...before.identities, ...added.identities].sort());
        expect(after.conversations).toEqual([...before.conversations, ...added.conversations].sort());
        const expected = before.customers.map((c) =>
          c.id === survivorId && changedKey !== null ? { ...c, attributes: { ...c.attributes, [changedKey]: 'changed since' } } : c,
        );
        expect(after.customers).toEqual(expected);
        for (const id of merge.moved.conversations) {
          const chain = await store.read((s) => s.interactions.listByConversation(id));
          expect(chain.slice(-2).map((e) => e.data['action'])).toEqual(['merge', 'unmerge']);
          expect(verifyChain(chain).ok).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
