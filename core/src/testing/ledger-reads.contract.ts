// The Store contract's part for erasure, the hub-wide anchor, customer reads and search: run by
// runStoreContract against every adapter, on the suite's shared store (each test makes its own ids).
import { describe, expect, it } from 'vitest';
import { verifyChain } from '../ledger/hash-chain.js';
import { TOMBSTONE } from '../ledger/interaction.entity.js';
import { SEARCH_INDEXED_CHARS } from '../ledger/ports/ledger-store.port.js';
import { newId } from '../shared/ids.js';
import type { StoreSession } from '../store/store.port.js';
import { aChain, aConversation, aCustomer, anIdentity, anInteraction, secondsAfter, uniqueToken } from './mothers.js';

type Work = <T>(work: (s: StoreSession) => Promise<T>) => Promise<T>;

const T0 = new Date('2026-04-01T09:00:00.000Z');
const ids = (items: readonly { id: string }[]) => items.map((i) => i.id);
/** A word no other test writes, so searches over the shared store see only this test's entries. */
const word = () => `w${uniqueToken()}`;

export const runLedgerReadsContract = (tx: Work, read: Work): void => {
  describe('ledger erasure and anchor', () => {
    it('tombstone replaces the personal content and nothing else; the chain still verifies', async () => {
      const chain = aChain(3, () => ({ attachments: [{ name: 'a.pdf', contentType: 'application/pdf' }], data: { note: 'x' }, html: '<p>hi</p>' }));
      await tx(async (s) => s.interactions.insertMany(chain));
      const at = secondsAfter(T0, 5);
      await tx((s) => s.interactions.tombstone([chain[1]!.id, newId()], at));
      const listed = await read((s) => s.interactions.listByConversation(chain[0]!.conversationId));
      expect(listed[1]).toEqual({ ...chain[1]!, ...TOMBSTONE, erasedAt: at });
      expect(listed[0]).toEqual(chain[0]);
      expect(listed[2]).toEqual(chain[2]);
      expect(verifyChain(listed)).toEqual({ ok: true, entries: 3 });

      // erasing again changes nothing, not even the time of the erasure
      await tx((s) => s.interactions.tombstone([chain[1]!.id], secondsAfter(T0, 50)));
      expect((await read((s) => s.interactions.get(chain[1]!.id)))?.erasedAt).toEqual(at);
    });

    it('every append advances the conversation’s head, never backwards', async () => {
      const chain = aChain(3);
      const conversationId = chain[0]!.conversationId;
      await tx((s) => s.interactions.insertMany([chain[0]!, chain[2]!]));
      await tx((s) => s.interactions.insert(chain[1]!));
      expect(await read((s) => s.heads.getMany([conversationId, newId()]))).toEqual([{ conversationId, seq: 3, digest: chain[2]!.digest }]);

      const single = anInteraction();
      await tx((s) => s.interactions.insert(single));
      expect(await read((s) => s.heads.getMany([single.conversationId]))).toEqual([{ conversationId: single.conversationId, seq: 1, digest: single.digest }]);
    });

    it('heads and the conversation ids of the ledger page in id order', async () => {
      const entries = [anInteraction(), anInteraction(), anInteraction()];
      await tx((s) => s.interactions.insertMany(entries));
      const mine = new Set(entries.map((e) => e.conversationId));
      const walk = async (list: (after: string | null) => Promise<string[]>): Promise<string[]> => {
        const seen: string[] = [];
        let after: string | null = null;
        for (;;) {
          const page = await list(after);
          if (page.length === 0) return seen;
          seen.push(...page);
          after = page.at(-1)!;
        }
      };
      const heads = await walk(async (after) => (await read((s) => s.heads.page(after, 2))).map((h) => h.conversationId));
      const ledger = await walk((after) => read((s) => s.interactions.conversationIdsAfter(after, 2)));
      for (const seen of [heads, ledger]) {
        expect(seen).toEqual([...seen].sort());
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.filter((id) => mine.has(id)).sort()).toEqual([...mine].sort());
      }
      const byConversation = await read((s) => s.interactions.listByConversations([...mine]));
      expect(byConversation.map((i) => i.conversationId)).toEqual([...mine].sort());
    });
  });

  describe('customer reads', () => {
    it('familyOf answers the customer and everyone merged into it, transitively, the customer first', async () => {
      const survivor = aCustomer();
      const [merged, other] = [aCustomer({ mergedInto: survivor.id }), aCustomer({ mergedInto: survivor.id })];
      const deeper = aCustomer({ mergedInto: merged.id });
      const stranger = aCustomer();
      await tx((s) => s.customers.insertMany([survivor, merged, other, deeper, stranger]));
      expect(await read((s) => s.customers.familyOf(survivor.id))).toEqual([survivor.id, ...[merged.id, other.id, deeper.id].sort()]);
      expect(await read((s) => s.customers.familyOf(merged.id))).toEqual([merged.id, deeper.id]);
      expect(await read((s) => s.customers.familyOf(stranger.id))).toEqual([stranger.id]);
      expect(await read((s) => s.customers.familyOf(newId()))).toEqual([]);
      expect(await read((s) => s.customers.familyOf('not-an-id'))).toEqual([]);
    });

    it('familyOf ends on a cycle of pointers', async () => {
      const [a, b] = [aCustomer(), aCustomer()];
      await tx((s) => s.customers.insertMany([{ ...a, mergedInto: b.id }, { ...b, mergedInto: a.id }]));
      expect(await read((s) => s.customers.familyOf(a.id))).toEqual([a.id, b.id]);
    });

    it('identities.removeMany removes exactly the named identities', async () => {
      const customerId = newId();
      const [a, b] = [anIdentity({ customerId }), anIdentity({ customerId })];
      await tx((s) => s.identities.insertMany([a!, b!]));
      await tx((s) => s.identities.removeMany([{ kind: a!.kind, value: a!.value }, { kind: 'email', value: 'nobody@example.com' }]));
      expect(await read((s) => s.identities.listByCustomer(customerId))).toEqual([b]);
    });

    it('timeline over several customers, filtered by channel, direction and type, stable while entries arrive', async () => {
      const [one, two] = [newId(), newId()];
      const entries = [
        anInteraction({ customerId: one, channel: 'email', direction: 'inbound', occurredAt: secondsAfter(T0, 1) }),
        anInteraction({ customerId: two, channel: 'chat', direction: 'inbound', occurredAt: secondsAfter(T0, 2) }),
        anInteraction({ customerId: one, channel: 'email', direction: 'outbound', occurredAt: secondsAfter(T0, 3) }),
        anInteraction({ customerId: two, channel: 'chat', direction: 'internal', type: 'note', occurredAt: secondsAfter(T0, 4) }),
        anInteraction({ customerId: one, channel: 'sms', direction: 'inbound', occurredAt: secondsAfter(T0, 5) }),
      ];
      await tx((s) => s.interactions.insertMany([...entries, anInteraction({ occurredAt: secondsAfter(T0, 3) })]));
      const newestFirst = ids([...entries].reverse());
      const first = await read((s) => s.interactions.timeline([one, two], {}, { limit: 2 }));
      expect(ids(first.items)).toEqual(newestFirst.slice(0, 2));
      // a newer entry arrives between pages: the next pages are unchanged
      await tx((s) => s.interactions.insert(anInteraction({ customerId: one, channel: 'web', direction: 'outbound', type: 'status', occurredAt: secondsAfter(T0, 9) })));
      const second = await read((s) => s.interactions.timeline([one, two], {}, { limit: 2, cursor: first.nextCursor ?? undefined }));
      const third = await read((s) => s.interactions.timeline([one, two], {}, { limit: 2, cursor: second.nextCursor ?? undefined }));
      expect([...ids(second.items), ...ids(third.items)]).toEqual(newestFirst.slice(2));
      expect(third.nextCursor).toBeNull();

      expect(ids((await read((s) => s.interactions.timeline([one, two], { channel: 'chat' }, { limit: 10 }))).items)).toEqual([entries[3]!.id, entries[1]!.id]);
      expect(ids((await read((s) => s.interactions.timeline([one, two], { direction: 'inbound' }, { limit: 10 }))).items)).toEqual(
        ids([entries[4]!, entries[1]!, entries[0]!]),
      );
      expect(ids((await read((s) => s.interactions.timeline([one, two], { type: 'note' }, { limit: 10 }))).items)).toEqual([entries[3]!.id]);
      expect(ids((await read((s) => s.interactions.timeline([one], { channel: 'email', direction: 'outbound' }, { limit: 10 }))).items)).toEqual([entries[2]!.id]);
    });

    it('lastPerChannel, countByCustomers and conversations.listByCustomers cover all the given customers', async () => {
      const [one, two] = [newId(), newId()];
      const entries = [
        anInteraction({ customerId: one, channel: 'email', occurredAt: secondsAfter(T0, 1) }),
        anInteraction({ customerId: two, channel: 'email', occurredAt: secondsAfter(T0, 2) }),
        anInteraction({ customerId: one, channel: 'sms', occurredAt: secondsAfter(T0, 3) }),
      ];
      await tx((s) => s.interactions.insertMany(entries));
      const last = await read((s) => s.interactions.lastPerChannel([one, two]));
      expect(last.map((i) => [i.channel, i.id])).toEqual([
        ['email', entries[1]!.id],
        ['sms', entries[2]!.id],
      ]);
      expect(await read((s) => s.interactions.countByCustomers([one, two]))).toBe(3);
      expect(await read((s) => s.interactions.countByCustomers([newId()]))).toBe(0);

      const older = aConversation({ customerId: one, createdAt: secondsAfter(T0, 1) });
      const newer = aConversation({ customerId: two, createdAt: secondsAfter(T0, 2) });
      await tx((s) => s.conversations.insertMany([older, newer, aConversation()]));
      expect(ids(await read((s) => s.conversations.listByCustomers([one, two])))).toEqual([newer.id, older.id]);
    });
  });

  describe('full-text search', () => {
    it('finds entries holding every word, newest first, with a snippet marking them', async () => {
      const [w1, w2] = [word(), word()];
      const customerId = newId();
      const both = anInteraction({ customerId, subject: `About ${w1}`, text: `The parcel ${w2} never came`, occurredAt: secondsAfter(T0, 2) });
      const onlyOne = anInteraction({ text: `Only ${w1} here`, channel: 'chat', occurredAt: secondsAfter(T0, 3) });
      const newest = anInteraction({ text: `${w1.toUpperCase()} and ${w2} again`, channel: 'chat', occurredAt: secondsAfter(T0, 4) });
      await tx((s) => s.interactions.insertMany([both, onlyOne, newest]));

      const hits = await read((s) => s.interactions.search({ text: `${w1} ${w2}` }, { limit: 10 }));
      expect(hits.items.map((h) => h.interaction.id)).toEqual([newest.id, both.id]);
      expect(hits.items[1]!.snippet).toContain(`«${w1}»`);
      expect(hits.items[1]!.snippet).toContain(`«${w2}»`);
      expect(hits.items[1]!.interaction).toEqual(both);

      expect((await read((s) => s.interactions.search({ text: w1, channel: 'chat' }, { limit: 10 }))).items.map((h) => h.interaction.id)).toEqual([
        newest.id,
        onlyOne.id,
      ]);
      expect((await read((s) => s.interactions.search({ text: w1, customerIds: [customerId] }, { limit: 10 }))).items.map((h) => h.interaction.id)).toEqual([
        both.id,
      ]);
      expect((await read((s) => s.interactions.search({ text: `${w1} -${w2}` }, { limit: 10 }))).items.map((h) => h.interaction.id)).toEqual([onlyOne.id]);

      const first = await read((s) => s.interactions.search({ text: w1 }, { limit: 2 }));
      const rest = await read((s) => s.interactions.search({ text: w1 }, { limit: 2, cursor: first.nextCursor ?? undefined }));
      expect([...first.items, ...rest.items].map((h) => h.interaction.id)).toEqual([newest.id, onlyOne.id, both.id]);
      expect(rest.nextCursor).toBeNull();
    });

    it('reads the first SEARCH_INDEXED_CHARS characters of an entry, not what lies past them', async () => {
      const [early, late] = [word(), word()];
      const filler = 'lorem '.repeat(Math.ceil(SEARCH_INDEXED_CHARS / 6));
      const entry = anInteraction({ subject: 'A long mail', text: `${early} ${filler} ${late}` });
      await tx((s) => s.interactions.insert(entry));
      expect((await read((s) => s.interactions.search({ text: early }, { limit: 5 }))).items.map((h) => h.interaction.id)).toEqual([entry.id]);
      expect((await read((s) => s.interactions.search({ text: late }, { limit: 5 }))).items).toEqual([]);
      // The entry itself keeps all of its text.
      expect((await read((s) => s.interactions.get(entry.id)))?.text.endsWith(late)).toBe(true);
    });

    it('finds nothing in an erased entry', async () => {
      const w = word();
      const entry = anInteraction({ text: `secret ${w}` });
      await tx((s) => s.interactions.insert(entry));
      expect((await read((s) => s.interactions.search({ text: w }, { limit: 5 }))).items).toHaveLength(1);
      await tx((s) => s.interactions.tombstone([entry.id], new Date()));
      expect((await read((s) => s.interactions.search({ text: w }, { limit: 5 }))).items).toEqual([]);
    });
  });
};
