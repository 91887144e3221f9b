import { newCrmLogEntry, newId, type CrmLogEntry, type StoreSession } from '@switchboard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStore, type TypeormStore } from '../typeorm-store.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';

// Two workers claiming pages of one customer's CRM log at once (PostgreSQL, real row locks): the
// second waits for the first's transaction and never takes an entry past one the first holds.
describe('crm_log pages claimed by two transactions at once (PostgreSQL)', () => {
  let database: TestDatabase;
  let store: TypeormStore;
  const T0 = new Date('2026-12-02T10:00:00.000Z');
  const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

  beforeAll(async () => {
    database = await createTestDatabase();
    store = createPostgresStore({ url: database.url, poolSize: 4 });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const seed = async (count: number) => {
    const instanceId = `hubspot-${newId().slice(0, 8)}`;
    const customerId = newId();
    const rows = Array.from({ length: count }, () => newCrmLogEntry({ instanceId, interactionId: newId(), customerId, conversationId: newId(), kind: 'entry' }, T0));
    await store.transaction((s) => s.crmLog.addMany(rows));
    return { instanceId, customerId, rows };
  };

  /** Runs `work` in a transaction that stays open until `release` is called. */
  const holding = <T>(work: (s: StoreSession) => Promise<T>) => {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let ready = () => {};
    const readied = new Promise<void>((resolve) => (ready = resolve));
    const done = store.transaction(async (s) => {
      const answer = await work(s);
      ready();
      await released;
      return answer;
    });
    return { readied, release, done };
  };

  const settledWithin = async (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

  it('a claim waits for the page another transaction is taking, then sees it leased and takes nothing', async () => {
    const { instanceId, customerId, rows } = await seed(6);
    const first = holding((s) => s.crmLog.claimNext(instanceId, [customerId], 3, T0, at(30)));
    await first.readied;
    const second = store.transaction((s) => s.crmLog.claimNext(instanceId, [customerId], 10, at(1), at(31)));
    expect(await settledWithin(second, 300)).toBe(false);
    first.release();
    expect((await first.done).claimed.map((c) => c.entry.interactionId)).toEqual(rows.slice(0, 3).map((r) => r.interactionId));
    expect(await second).toEqual({ claimed: [], held: true });
  });

  it('a claim waiting on outcomes being recorded goes past the entries logged, in order, to the next ones', async () => {
    const { instanceId, customerId, rows } = await seed(5);
    const page = await store.transaction((s) => s.crmLog.claimNext(instanceId, [customerId], 3, T0, at(30)));
    const logged: CrmLogEntry[] = page.claimed.map((c) => ({ ...c.entry, status: 'logged', leaseUntil: null, activityId: `act-${c.entry.interactionId}`, updatedAt: at(2) }));
    const recording = holding(async (s) => {
      await s.crmLog.updateMany(logged);
      // The held-back UPDATE goes out with a statement that needs an answer: its row locks are taken now.
      return s.crmLog.counts(instanceId, [customerId]);
    });
    await recording.readied;
    const second = store.transaction((s) => s.crmLog.claimNext(instanceId, [customerId], 10, at(3), at(33)));
    expect(await settledWithin(second, 300)).toBe(false);
    recording.release();
    expect(await recording.done).toMatchObject({ logged: 3, pending: 2, sending: 0 });
    const next = await second;
    expect(next.held).toBe(false);
    expect(next.claimed.map((c) => [c.entry.interactionId, c.previous.status, c.entry.attempts])).toEqual(rows.slice(3).map((r) => [r.interactionId, 'pending', 1]));
    expect(await store.read((s) => s.crmLog.counts(instanceId, [customerId]))).toMatchObject({ logged: 3, sending: 2, pending: 0 });
  });
});
