import { describe, expect, it } from 'vitest';
import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { routingWorld } from '../../routing/__tests__/routing-world.js';
import { anAssignment } from '../../testing/mothers.js';
import { slowLocks } from '../../testing/slow-locks.js';
import { DeskActions } from '../use-cases/desk-commands.use-case.js';

// Found by the randomized concurrency test (tests/src/e2e/routing-concurrency.test.ts).

describe('a transfer keeps the routing history in the order things happened', () => {
  it('a transfer to an agent stamps its offer once the agent is locked and its load read', async () => {
    const world = routingWorld();
    const queue = await world.addQueue();
    const ada = await world.addAgent({ name: 'Ada' });
    const bo = await world.addAgent({ name: 'Bo' });
    const conversationId = await world.addItem(queue, {}, { status: 'assigned', assignment: { agentId: ada.id, since: world.clock.now() } });
    await world.store.transaction(async (s) => {
      await s.workItems.delete(conversationId);
      await s.assignments.insert(anAssignment({ conversationId, agentId: ada.id, queueId: queue.id, channel: 'email', cost: 10, startedAt: world.clock.now(), endedAt: null }));
    });
    const before = world.clock.now().getTime();
    const channels: ChannelRegistry = { find: () => undefined };
    const slow = slowLocks(world.store, world.clock, 'agent:', 2);
    const desk = new DeskActions(slow, world.clock, world.answers, world.manage, new CustomerQueries(world.store), channels);
    await desk.transfer({ kind: 'operator' }, conversationId, { agentId: bo.id });
    const [offer] = await world.pendingOf(bo.id);
    expect(offer?.createdAt.getTime()).toBe(before + 2000);
  });
});
