// The SLA repository's part of the Store contract: every adapter must pass it. Each test makes its
// own queue, so the suite shares one store with whatever else ran in it.
import { describe, expect, it } from 'vitest';
import type { SlaVerdict } from '../routing/ports/sla-store.port.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import { aConversation, anAssignment, anOffer, secondsAfter } from './mothers.js';
import { useMigratedStore, type StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');

export const runSlaStoreContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, SLA: ${name}`, () => {
    const store = useMigratedStore(makeStore);

    const verdict = (conversationId: string, queueId: string, overrides: Partial<SlaVerdict> = {}): SlaVerdict => ({
      conversationId,
      queueId,
      kind: 'first_response',
      met: true,
      dueAt: secondsAfter(T0, 3600),
      decidedAt: secondsAfter(T0, 600),
      recordedAt: secondsAfter(T0, 4000),
      ...overrides,
    });

    it('lists undecided conversations of a queue created by a time, oldest first, and records each verdict once', async () => {
      const queueId = newId();
      const [a, b, c] = [0, 10, 20].map((s) => aConversation({ queueId, createdAt: secondsAfter(T0, s), updatedAt: secondsAfter(T0, s), firstResponseAt: s === 10 ? secondsAfter(T0, 100) : null }));
      if (!a || !b || !c) throw new Error('three conversations');
      const elsewhere = aConversation({ queueId: newId(), createdAt: T0, updatedAt: T0 });
      await store().transaction(async (s) => {
        for (const conversation of [c, a, b, elsewhere]) await s.conversations.insert(conversation);
      });
      const undecided = (before: Date, limit = 10) => store().read((s) => s.sla.undecided(queueId, 'first_response', before, limit));

      expect((await undecided(secondsAfter(T0, 10))).map((x) => x.conversationId)).toEqual([a.id, b.id]);
      expect(await undecided(secondsAfter(T0, 30), 1)).toEqual([{ conversationId: a.id, queueId, createdAt: a.createdAt, firstResponseAt: null, resolvedAt: null }]);
      expect((await undecided(secondsAfter(T0, 30))).find((x) => x.conversationId === b.id)?.firstResponseAt).toEqual(secondsAfter(T0, 100));

      const first = await store().transaction((s) => s.sla.recordVerdicts([verdict(a.id, queueId), verdict(b.id, queueId, { met: false, decidedAt: secondsAfter(T0, 3600) })]));
      expect(first.map((v) => v.conversationId).sort()).toEqual([a.id, b.id].sort());
      // Again, with one new: only the new one is inserted; the first verdict stays.
      const again = await store().transaction((s) => s.sla.recordVerdicts([verdict(a.id, queueId, { met: false }), verdict(c.id, queueId)]));
      expect(again).toEqual([verdict(c.id, queueId)]);
      expect(await store().read((s) => s.sla.verdicts(a.id))).toEqual([verdict(a.id, queueId)]);
      expect(await undecided(secondsAfter(T0, 30))).toEqual([]);
      // The other target is still undecided.
      expect((await store().read((s) => s.sla.undecided(queueId, 'resolution', secondsAfter(T0, 30), 10))).map((x) => x.conversationId)).toEqual([a.id, b.id, c.id]);
      expect(await store().transaction((s) => s.sla.recordVerdicts([]))).toEqual([]);
    });

    it('counts attainment from verdicts decided within a window', async () => {
      const queueId = newId();
      await store().transaction((s) =>
        s.sla.recordVerdicts([
          verdict(newId(), queueId, { decidedAt: secondsAfter(T0, 100) }),
          verdict(newId(), queueId, { decidedAt: secondsAfter(T0, 200), met: false }),
          verdict(newId(), queueId, { decidedAt: secondsAfter(T0, 300) }),
          verdict(newId(), queueId, { decidedAt: secondsAfter(T0, 300), kind: 'resolution', met: false }),
          verdict(newId(), newId(), { decidedAt: secondsAfter(T0, 300) }),
        ]),
      );
      expect(await store().read((s) => s.sla.attainment(queueId, secondsAfter(T0, 150)))).toEqual([
        { kind: 'first_response', met: 1, breached: 1 },
        { kind: 'resolution', met: 0, breached: 1 },
      ]);
      expect(await store().read((s) => s.sla.attainment(queueId, T0))).toContainEqual({ kind: 'first_response', met: 2, breached: 1 });
      expect(await store().read((s) => s.sla.attainment(queueId, secondsAfter(T0, 301)))).toEqual([]);
    });

    it('counts offers, assignments and abandoned conversations of a queue within a window', async () => {
      const queueId = newId();
      const served = aConversation({ queueId, status: 'resolved', createdAt: T0, updatedAt: T0, resolvedAt: secondsAfter(T0, 500) });
      const gaveUp = aConversation({ queueId, status: 'resolved', createdAt: T0, updatedAt: T0, resolvedAt: secondsAfter(T0, 400) });
      const early = aConversation({ queueId, status: 'resolved', createdAt: T0, updatedAt: T0, resolvedAt: secondsAfter(T0, 50) });
      await store().transaction(async (s) => {
        for (const conversation of [served, gaveUp, early]) await s.conversations.insert(conversation);
        await s.offers.insert(anOffer({ queueId, conversationId: served.id, createdAt: secondsAfter(T0, 200), expiresAt: secondsAfter(T0, 260) }));
        await s.offers.insert(anOffer({ queueId, conversationId: served.id, createdAt: secondsAfter(T0, 50), expiresAt: secondsAfter(T0, 110) }));
        await s.offers.insert(anOffer({ queueId: newId(), createdAt: secondsAfter(T0, 200), expiresAt: secondsAfter(T0, 260) }));
        await s.assignments.insert(anAssignment({ queueId, conversationId: served.id, startedAt: secondsAfter(T0, 210), endedAt: secondsAfter(T0, 500) }));
      });
      expect(await store().read((s) => s.sla.activity(queueId, secondsAfter(T0, 100)))).toEqual({ offered: 1, assigned: 1, abandoned: 1 });
      expect(await store().read((s) => s.sla.activity(queueId, T0))).toEqual({ offered: 2, assigned: 1, abandoned: 2 });
      expect(await store().read((s) => s.sla.activity(newId(), T0))).toEqual({ offered: 0, assigned: 0, abandoned: 0 });
    });
  });
};
