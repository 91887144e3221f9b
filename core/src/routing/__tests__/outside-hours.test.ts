import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, anAgent, aQueue, aWorkItem } from '../../testing/mothers.js';
import { RouteQueue } from '../use-cases/route-queue.use-case.js';
import { RoutingQueries } from '../use-cases/routing-queries.js';

describe('routing outside business hours', () => {
  it('offers nothing while the queue is closed, says outside_hours, and offers once it opens', async () => {
    // 2026-06-01 is a Monday; New York opens at 09:00 EDT = 13:00 UTC.
    const clock = aClock(new Date('2026-06-01T12:00:00.000Z'));
    const store = new InMemoryStore();
    const queue = aQueue({ skills: {}, businessHours: { timeZone: 'America/New_York', weekly: { mon: [{ start: '09:00', end: '17:00' }] } } });
    const agent = anAgent({ skills: {}, presence: 'available' });
    const conversation = aConversation({ status: 'queued', queueId: queue.id, createdAt: clock.now(), updatedAt: clock.now() });
    await store.transaction(async (s) => {
      await s.queues.insert(queue);
      await s.agents.insert(agent);
      await s.conversations.insert(conversation);
      await s.workItems.insert(aWorkItem({ conversationId: conversation.id, queueId: queue.id, skills: {}, enqueuedAt: clock.now() }));
    });
    const route = new RouteQueue(store, clock);
    const explain = new RoutingQueries(store, clock);

    expect(await route.run(queue.id)).toEqual({ offers: 0, more: false });
    const waiting = await explain.routing(conversation.id);
    expect(waiting.reasons).toEqual([{ code: 'outside_hours', detail: 'the queue is closed until 2026-06-01T09:00:00-04:00 (America/New_York)' }]);
    expect(await store.read((s) => s.workItems.get(conversation.id))).toMatchObject({ state: 'waiting' });

    clock.advance(3600);
    expect((await route.run(queue.id)).offers).toBe(1);
    expect(await store.read((s) => s.workItems.get(conversation.id))).toMatchObject({ state: 'offered' });
  });
});
