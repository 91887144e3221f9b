import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock } from '../../testing/mothers.js';
import { OUTBOX_JOBS, outboxJobs } from '../outbox.jobs.js';

const RETENTION = 3600;

// A store with one dispatched event and one still waiting.
const seeded = async () => {
  const store = new InMemoryStore();
  await store.transaction((s) => s.outbox.add([{ type: 'conversation.resolved', conversationId: 'c-done' }]));
  await store.transaction(async (s) => s.outbox.markDispatched((await s.outbox.claimUndispatched(10)).map((e) => e.id), new Date()));
  await store.transaction((s) => s.outbox.add([{ type: 'conversation.resolved', conversationId: 'c-waiting' }]));
  return store;
};

const prune = async (store: InMemoryStore, clock: ReturnType<typeof aClock>) => {
  const [job] = outboxJobs({ store, clock, retentionSeconds: RETENTION });
  const planned = await job!.sweep!({ now: clock.now(), bucket: 7, session: undefined as never });
  expect(planned).toEqual([{ name: OUTBOX_JOBS.prune, payload: {}, jobId: 'outbox:prune:7' }]);
  await job!.run({ id: 'j1', name: OUTBOX_JOBS.prune, payload: {}, attempt: 1 });
};

const stillWaiting = async (store: InMemoryStore) => (await store.read((s) => s.outbox.claimUndispatched(10))).map((e) => e.event);
const dispatchedLeft = (store: InMemoryStore) => store.transaction((s) => s.outbox.pruneDispatched(new Date(Date.now() + 60_000), 1000));

describe('the outbox retention job', () => {
  it('keeps dispatched events inside the retention window', async () => {
    const store = await seeded();
    await prune(store, aClock(new Date()));
    expect(await dispatchedLeft(store)).toBe(1);
    expect(await stillWaiting(store)).toEqual([{ type: 'conversation.resolved', conversationId: 'c-waiting' }]);
  });

  it('removes dispatched events past it, and never one still to dispatch', async () => {
    const store = await seeded();
    const clock = aClock(new Date());
    clock.advance(RETENTION + 60);
    await prune(store, clock);
    expect(await dispatchedLeft(store)).toBe(0);
    expect(await stillWaiting(store)).toEqual([{ type: 'conversation.resolved', conversationId: 'c-waiting' }]);
  });
});
