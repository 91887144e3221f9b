import { describe, expect, it } from 'vitest';
import { LedgerQueries } from '../../ledger/use-cases/ledger-queries.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aChain, aClock, aConversation, aCustomer, aDelivery, anIdentity } from '../../testing/mothers.js';
import { DeskQueries } from '../use-cases/desk-queries.js';
import { EraseCustomer } from '../use-cases/erase-customer.use-case.js';
import { newId } from '../../shared/ids.js';

describe('EraseCustomer on the in-memory store', () => {
  it('removes identities, tombstones content across a merge, dead-letters waiting deliveries, records the erasure, and the ledger verifies', async () => {
    const store = new InMemoryStore();
    const clock = aClock();
    const ann = aCustomer({ displayName: 'Ann Canary', attributes: { tier: 'gold' } });
    const alias = aCustomer({ mergedInto: ann.id });
    const [mine, theirs] = [aConversation({ customerId: ann.id }), aConversation({ customerId: alias.id })];
    const chainA = aChain(2, (i) => ({ conversationId: mine.id, customerId: ann.id, text: `canary ${i}`, direction: i === 1 ? 'outbound' : 'inbound' }));
    const chainB = aChain(1, () => ({ conversationId: theirs.id, customerId: alias.id, text: 'canary alias' }));
    await store.transaction(async (s) => {
      await s.customers.insertMany([ann, alias]);
      await s.identities.insertMany([anIdentity({ customerId: ann.id }), anIdentity({ customerId: alias.id })]);
      await s.conversations.insertMany([mine, theirs]);
      await s.interactions.insertMany([...chainA, ...chainB]);
      await s.deliveries.insert(aDelivery({ interactionId: chainA[1]!.id, status: 'retrying', reason: '451 try later for ann@example.com' }));
    });

    const report = await new EraseCustomer(store, clock).erase(ann.id);
    expect(report).toMatchObject({ customers: [ann.id, alias.id], identities: 2, interactions: 3, conversations: 2, deliveriesCancelled: 1 });

    const reads = new DeskQueries(store);
    const after = await reads.exportCustomer(ann.id, clock.now());
    expect(after.customer).toMatchObject({ displayName: null, attributes: {}, identities: [] });
    expect(after.mergedCustomers[0]?.identities).toEqual([]);
    expect(JSON.stringify(after)).not.toMatch(/canary|ann@example\.com/i);
    expect(after.interactions.map((i) => i.type).sort()).toEqual(['erasure', 'erasure', 'message', 'message', 'message']);
    expect(after.interactions.find((i) => i.id === chainA[1]!.id)?.delivery).toMatchObject({ status: 'dead', reason: 'the customer was erased' });
    expect((await reads.search({ text: 'canary' }, { limit: 10 })).items).toEqual([]);
    expect(await new LedgerQueries(store).verifyAll()).toEqual({ ok: true, conversations: 2, entries: 5, problems: [] });
  });

  it('deletes the merge suggestions that quote the customer and empties the merge records that name it', async () => {
    const store = new InMemoryStore();
    const clock = aClock();
    const [ann, alias, olga, bystander] = [aCustomer(), aCustomer({ mergedInto: null }), aCustomer(), aCustomer()];
    const now = clock.now();
    const annMergeId = newId();
    await store.transaction(async (s) => {
      await s.customers.insertMany([ann, alias, olga, bystander]);
      await s.merges.insert({
        id: annMergeId, survivorId: ann.id, mergedId: alias.id, identities: [{ kind: 'email', value: 'alias-canary@example.com' }], conversations: [],
        attributes: [{ key: 'nickname', hadBefore: false, before: null, after: 'canary' }], displayNameBefore: 'Canary', displayNameChanged: true, createdAt: now, undoneAt: null,
      });
      await s.merges.insert({
        id: newId(), survivorId: olga.id, mergedId: bystander.id, identities: [{ kind: 'email', value: 'kept@example.com' }], conversations: [],
        attributes: [], displayNameBefore: null, displayNameChanged: false, createdAt: now, undoneAt: null,
      });
      await s.mergeSuggestions.addPending([
        { id: newId(), customerId: olga.id, otherCustomerId: ann.id, identity: { kind: 'email', value: 'ann-canary@example.com' }, interactionId: null, status: 'pending', createdAt: now, decidedAt: null },
        { id: newId(), customerId: olga.id, otherCustomerId: bystander.id, identity: { kind: 'email', value: 'kept@example.com' }, interactionId: null, status: 'pending', createdAt: now, decidedAt: null },
      ]);
    });

    const report = await new EraseCustomer(store, clock).erase(ann.id);
    expect(report).toMatchObject({ mergeSuggestionsRemoved: 1, mergeRecordsScrubbed: 1 });

    const [suggestions, annMerge, otherMerge] = await store.read(async (s) => [
      (await s.mergeSuggestions.list({}, { limit: 10 })).items,
      await s.merges.get(annMergeId),
      await s.merges.findActive(olga.id, bystander.id),
    ] as const);
    expect(suggestions.map((x) => x.identity.value)).toEqual(['kept@example.com']);
    expect(annMerge).toMatchObject({ identities: [], attributes: [], displayNameBefore: null, undoneAt: now }); // no longer reversible
    expect(otherMerge?.identities).toEqual([{ kind: 'email', value: 'kept@example.com' }]);
  });
});
