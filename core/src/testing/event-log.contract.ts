// The event log's part of the Store contract: every adapter must pass it. Tests share one store,
// so each works with the events it appended (by id) and never assumes the log is empty.
import { describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../shared/events.js';
import { newId } from '../shared/ids.js';
import type { Store } from '../store/store.port.js';
import { useMigratedStore, type StoreUnderTest } from './store.contract.js';

const T0 = new Date('2026-03-01T09:00:00.000Z');
const queued = (conversationId = newId()): OutboxEvent => ({ id: newId(), event: { type: 'conversation.queued', conversationId, queueId: newId() }, createdAt: T0, dispatchedAt: null });
const resolved = (): OutboxEvent => ({ id: newId(), event: { type: 'conversation.resolved', conversationId: newId() }, createdAt: T0, dispatchedAt: null });

export const runEventLogContract = (name: string, makeStore: () => Promise<StoreUnderTest>): void => {
  describe(`Store contract, event log: ${name}`, () => {
    const store = useMigratedStore(makeStore);

    it('appends in the order given, once per event id, and reads after a sequence number by type', async () => {
      const start = await store().read((s) => s.eventLog.latest());
      const events = [queued(), resolved(), queued()];
      await store().transaction((s) => s.eventLog.append(events, T0));
      // Appended again (a relay retried): nothing new.
      await store().transaction((s) => s.eventLog.append([events[1] as OutboxEvent], T0));
      const logged = await store().read((s) => s.eventLog.after(start, null, 100));
      expect(logged.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(logged[0]).toEqual({ seq: logged[0]?.seq, id: events[0]?.id, type: 'conversation.queued', event: events[0]?.event, recordedAt: T0 });
      const seqs = logged.map((e) => e.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(3);
      expect(await store().read((s) => s.eventLog.latest())).toBe(seqs[2]);

      const onlyQueued = await store().read((s) => s.eventLog.after(start, ['conversation.queued'], 100));
      expect(onlyQueued.map((e) => e.id)).toEqual([events[0]?.id, events[2]?.id]);
      expect((await store().read((s) => s.eventLog.after(seqs[0] ?? 0, null, 1))).map((e) => e.id)).toEqual([events[1]?.id]);
      expect(await store().read((s) => s.eventLog.after(seqs[2] ?? 0, null, 10))).toEqual([]);
    });

    it('finds the first event recorded at or after a time', async () => {
      const [before, at, after] = [queued(), queued(), queued()];
      await store().transaction((s) => s.eventLog.append([before], new Date('2030-01-01T00:00:00.000Z')));
      await store().transaction((s) => s.eventLog.append([at], new Date('2030-01-01T00:00:05.000Z')));
      await store().transaction((s) => s.eventLog.append([after], new Date('2030-01-01T00:00:09.000Z')));
      const seqOf = async (id: string) => (await store().read((s) => s.eventLog.after(0, null, 10_000))).find((e) => e.id === id)!.seq;
      expect(await store().read((s) => s.eventLog.firstSeqSince(new Date('2030-01-01T00:00:05.000Z')))).toBe(await seqOf(at.id));
      expect(await store().read((s) => s.eventLog.firstSeqSince(new Date('2030-01-01T00:00:06.000Z')))).toBe(await seqOf(after.id));
      expect(await store().read((s) => s.eventLog.firstSeqSince(new Date('2030-01-01T00:00:10.000Z')))).toBeNull();
    });

    it('rolls an append back with its transaction, and prunes by age', async () => {
      const start = await store().read((s) => s.eventLog.latest());
      const lost = queued();
      await expect(
        store().transaction(async (s) => {
          await s.eventLog.append([lost], T0);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect((await store().read((s) => s.eventLog.after(start, null, 100))).map((e) => e.id)).not.toContain(lost.id);

      const old = queued();
      const fresh = queued();
      await store().transaction(async (s) => {
        await s.eventLog.append([old], new Date('2020-01-01T00:00:00.000Z'));
        await s.eventLog.append([fresh], T0);
      });
      expect(await store().transaction((s) => s.eventLog.prune(new Date('2021-01-01T00:00:00.000Z'), 1000))).toBeGreaterThanOrEqual(1);
      const left = (await store().read((s) => s.eventLog.after(start, null, 100))).map((e) => e.id);
      expect(left).toContain(fresh.id);
      expect(left).not.toContain(old.id);
    });
  });
};
