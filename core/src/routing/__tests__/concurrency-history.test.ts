import { describe, expect, it } from 'vitest';
import type { InMemoryStore } from '../../testing/in-memory-store.js';
import { anOffer } from '../../testing/mothers.js';
import { slowLocks } from '../../testing/slow-locks.js';
import { ROUTING_JOBS, routingJobs } from '../routing.jobs.js';
import { ROUTING_PAGE, RouteQueue } from '../use-cases/route-queue.use-case.js';
import { routingWorld } from './routing-world.js';

// Bugs the randomized concurrency test (tests/src/e2e/routing-concurrency.test.ts) found, one test each.

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

});

/** The store as if another router gave `agentId` work while this pass waited for the agent's lock. */
const busiedOnLock = (store: InMemoryStore, agentId: string, cost: number): InMemoryStore =>
  new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver);
      return <T>(work: Parameters<InMemoryStore['transaction']>[0]): Promise<T> =>
        target.transaction((session) => {
          const lockAll = session.lockAll.bind(session);
          let done = false;
          const busied = new Proxy(session, {
            get: (s, p, r) =>
              p === 'lockAll'
                ? async (keys: readonly string[]) => {
                    if (!done && keys.includes(`agent:${agentId}`)) {
                      done = true;
                      await session.offers.insert(anOffer({ agentId, cost, status: 'pending' }));
                    }
                    await lockAll(keys);
                  }
                : Reflect.get(s, p, r),
          });
          return work(busied) as Promise<T>;
        });
    },
  });

describe('a choice that fails its re-check under the lock', () => {
  it('goes to the next candidate, not back to waiting', async () => {
    const world = routingWorld();
    const queue = await world.addQueue({ strategy: 'longest-idle' });
    // Ada has been idle longest, so she is the first choice; Bo is next.
    const ada = await world.addAgent({ name: 'Ada', presenceSince: new Date(world.clock.now().getTime() - 60_000), capacity: { units: 10, perChannel: {} } });
    const bo = await world.addAgent({ name: 'Bo', capacity: { units: 10, perChannel: {} } });
    const conversationId = await world.addItem(queue);
    const result = await new RouteQueue(busiedOnLock(world.store, ada.id, 10), world.clock).run(queue.id);
    expect(result.offers).toBe(1);
    expect(await world.pendingOf(bo.id)).toMatchObject([{ conversationId }]);
    // Ada holds only the work the other router gave her: her capacity is not exceeded.
    expect((await world.pendingOf(ada.id)).map((o) => o.conversationId)).not.toContain(conversationId);
    expect(await world.item(conversationId)).toMatchObject({ state: 'offered' });
  });

  it('leaves the item waiting, with the reason, when nobody else can take it', async () => {
    const world = routingWorld();
    const queue = await world.addQueue();
    const ada = await world.addAgent({ name: 'Ada', capacity: { units: 10, perChannel: {} } });
    const conversationId = await world.addItem(queue);
    const result = await new RouteQueue(busiedOnLock(world.store, ada.id, 10), world.clock).run(queue.id);
    expect(result.offers).toBe(0);
    expect(await world.item(conversationId)).toMatchObject({ state: 'waiting', reasons: [{ code: 'all_at_capacity' }] });
  });
});

describe('no item waits behind the head of its queue while an agent has room for it', () => {
  it('offers a cheap item from deep in the queue when nobody can take the page before it', async () => {
    const world = routingWorld();
    const queue = await world.addQueue({ cost: { chat: 25, email: 10 } });
    // Ada has 20 units: no chat (25) fits, an email (10) does.
    const ada = await world.addAgent({ name: 'Ada', capacity: { units: 20, perChannel: {} } });
    for (let i = 0; i < ROUTING_PAGE + 10; i++) {
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
    for (let i = 0; i < ROUTING_PAGE + 10; i++) await world.addItem(queue, { channel: 'chat', cost: 25 }, { channels: ['chat'], lastInboundChannel: 'chat' });
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

describe('a burst of routing jobs for one queue', () => {
  it('runs one pass at a time in a process and one more for the jobs that came meanwhile, not one each', async () => {
    const world = routingWorld();
    const passes: string[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const route = {
      run: async (queueId: string) => {
        passes.push(queueId);
        if (passes.length === 1) await blocked;
        return { offers: 1, more: false };
      },
    };
    const [evaluate] = routingJobs({ route, offers: world.answers, manage: world.manage, jobs: { enqueue: async () => undefined } });
    if (!evaluate) throw new Error('no evaluate job');
    const run = (id: string, queueId: string) => evaluate.run({ id, name: ROUTING_JOBS.evaluateQueue, payload: { queueId }, attempt: 1 });
    const first = run('j1', 'q1');
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Three more for the same queue while the first pass runs, one for another queue.
    expect(await Promise.all([run('j2', 'q1'), run('j3', 'q1'), run('j4', 'q1')])).toEqual([false, false, false]);
    expect(await run('j5', 'q2')).toBe(true);
    release();
    expect(await first).toBe(true);
    // The first pass, the other queue's, and one more pass of q1 that starts after the three jobs came.
    expect(passes).toEqual(['q1', 'q2', 'q1']);
  });
});
