import { describe, expect, it } from 'vitest';
import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { DeskActions } from '../../desk/use-cases/desk-commands.use-case.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { InMemoryStore } from '../../testing/in-memory-store.js';
import { anAssignment, anOffer } from '../../testing/mothers.js';
import { RouteQueue } from '../use-cases/route-queue.use-case.js';
import { routingWorld } from './routing-world.js';

// Bugs the randomized concurrency test (tests/src/e2e/routing-concurrency.test.ts) found, one test each.

/**
 * The store with a slow lock: taking a lock whose key starts with `prefix` lets `seconds` pass,
 * as waiting for another worker's transaction does. The in-memory store runs transactions one at a
 * time, so the wait is the clock's only.
 */
const slowLocks = <S extends Transactions<never> & InMemoryStore>(store: S, clock: { advance(seconds: number): void }, prefix: string, seconds: number): InMemoryStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return <T>(work: Parameters<InMemoryStore['transaction']>[0]): Promise<T> =>
        target.transaction((session) => {
          const lock = session.lock.bind(session);
          const slowed = new Proxy(session, {
            get: (s, p, r) =>
              p === 'lock'
                ? async (key: string) => {
                    if (key.startsWith(prefix)) clock.advance(seconds);
                    await lock(key);
                  }
                : Reflect.get(s, p, r),
          });
          return work(slowed) as Promise<T>;
        });
    },
  });

describe('routing history stays in the order things happened', () => {
  it('a routing pass stamps its offer once the agent is locked, not when the item was picked up', async () => {
    const world = routingWorld();
    const queue = await world.addQueue();
    const ada = await world.addAgent({ name: 'Ada' });
    await world.addItem(queue);
    const picked = world.clock.now().getTime();
    await new RouteQueue(slowLocks(world.store, world.clock, 'agent:', 5), world.clock).run(queue.id);
    const [offer] = await world.pendingOf(ada.id);
    // Before the fix the offer said it was made 5 s before the agent could be locked and its load read.
    expect(offer?.createdAt.getTime()).toBe(picked + 5000);
  });

  it('a presence change stamps the offers it rescinds once their conversations are locked', async () => {
    const world = routingWorld();
    const queue = await world.addQueue();
    const ada = await world.addAgent({ name: 'Ada' });
    const conversationId = await world.addItem(queue);
    await world.route.run(queue.id);
    const started = world.clock.now().getTime();
    const { ManageRouting } = await import('../use-cases/manage-routing.use-case.js');
    await new ManageRouting(slowLocks(world.store, world.clock, 'conversation:', 3), world.clock, world.settings).setPresence(ada.id, 'away');
    const offers = (await world.store.read((s) => s.offers.listByAgent(ada.id, undefined, { limit: 10 }))).items;
    expect(offers).toMatchObject([{ conversationId, status: 'rescinded' }]);
    expect(offers[0]?.answeredAt?.getTime()).toBe(started + 3000);
    expect((await world.agent(ada.id)).presenceSince.getTime()).toBe(started + 3000);
  });

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

describe('no item waits behind the head of its queue while an agent has room for it', () => {
  it('offers a cheap item from deep in the queue when nobody can take the fifty before it', async () => {
    const world = routingWorld();
    const queue = await world.addQueue({ cost: { chat: 25, email: 10 } });
    // Ada has 20 units: no chat (25) fits, an email (10) does.
    const ada = await world.addAgent({ name: 'Ada', capacity: { units: 20, perChannel: {} } });
    for (let i = 0; i < 60; i++) {
      await world.addItem(queue, { channel: 'chat', cost: 25 }, { channels: ['chat'], lastInboundChannel: 'chat' });
      world.clock.advance(1);
    }
    const email = await world.addItem(queue, { channel: 'email', cost: 10 });
    await world.route.run(queue.id);
    expect(await world.pendingOf(ada.id)).toMatchObject([{ conversationId: email }]);
  });

  it('stops looking further back once no agent has room for the cheapest item the queue has', async () => {
    const world = routingWorld();
    const queue = await world.addQueue({ cost: { chat: 25, email: 10 } });
    const ada = await world.addAgent({ name: 'Ada', capacity: { units: 20, perChannel: {} } });
    await world.store.transaction((s) => s.offers.insert(anOffer({ agentId: ada.id, queueId: queue.id, channel: 'email', cost: 15, status: 'pending' })));
    for (let i = 0; i < 60; i++) await world.addItem(queue, { channel: 'chat', cost: 25 }, { channels: ['chat'], lastInboundChannel: 'chat' });
    let reads = 0;
    const counting = new Proxy(world.store, {
      get(target, property, receiver) {
        if (property !== 'transaction') return Reflect.get(target, property, receiver);
        return (work: Parameters<InMemoryStore['transaction']>[0]) =>
          target.transaction((session) => {
            const listWaiting = session.workItems.listWaiting.bind(session.workItems);
            session.workItems.listWaiting = (...args) => {
              reads += 1;
              return listWaiting(...args);
            };
            return work(session);
          });
      },
    });
    const result = await new RouteQueue(counting, world.clock).run(queue.id);
    expect(result).toEqual({ offers: 0, more: false });
    expect(reads).toBe(1);
  });
});
