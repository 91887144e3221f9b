import { describe, expect, it } from 'vitest';
import { effectivePriority, type RoutingStrategy } from '../queue.entity.js';
import { routingWorld } from './routing-world.js';

const T0 = new Date('2026-06-01T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('ordering: priority, then age, with aging', () => {
  it('computes effective priority from the wait, capped', () => {
    const aging = { everySeconds: 60, maxBoost: 3 };
    expect(effectivePriority({ priority: 1, enqueuedAt: T0 }, null, at(3600))).toBe(1);
    expect(effectivePriority({ priority: 1, enqueuedAt: T0 }, aging, at(59))).toBe(1);
    expect(effectivePriority({ priority: 1, enqueuedAt: T0 }, aging, at(120))).toBe(3);
    expect(effectivePriority({ priority: 1, enqueuedAt: T0 }, aging, at(86_400))).toBe(4);
    expect(effectivePriority({ priority: 1, enqueuedAt: at(10) }, aging, T0)).toBe(1);
  });

  it('offers by priority, then age; aging lets an old low-priority item overtake new urgent ones', async () => {
    for (const aging of [null, { everySeconds: 60, maxBoost: 5 }]) {
      const w = routingWorld();
      const queue = await w.addQueue({ aging });
      const old = await w.addItem(queue, { priority: 0 }, { priority: 0 });
      w.clock.advance(300);
      const urgentOld = await w.addItem(queue, { priority: 2 });
      w.clock.advance(1);
      const urgentNew = await w.addItem(queue, { priority: 2 });
      // Nobody available yet: the items wait. Then one agent with room for one item at a time.
      const ada = await w.addAgent({ name: 'Ada', capacity: { units: 10, perChannel: {} } });
      const order: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        await w.relay();
        const [offer] = await w.pendingOf(ada.id);
        if (!offer) throw new Error('no offer');
        order.push(offer.conversationId);
        await w.answers.accept(offer.id, ada.id);
        await w.resolve(offer.conversationId);
      }
      // 301 s of waiting is +5 under aging: 0 + 5 beats 2 + 0.
      expect(order).toEqual(aging ? [old, urgentOld, urgentNew] : [urgentOld, urgentNew, old]);
    }
  });
});

describe('skills with minimum levels', () => {
  it('offers only to agents with every required skill at or above its level, and says why it waits', async () => {
    const w = routingWorld();
    const queue = await w.addQueue({ skills: { billing: 3, french: 2 } });
    const low = await w.addAgent({ name: 'Low', skills: { billing: 2, french: 5 } });
    const partial = await w.addAgent({ name: 'Partial', skills: { billing: 5 } });
    const id = await w.addItem(queue);
    await w.relay();
    expect(await w.pendingOf(low.id)).toEqual([]);
    expect(await w.pendingOf(partial.id)).toEqual([]);
    expect((await w.explain(id)).reasons).toMatchObject([{ code: 'no_skilled_agent' }]);
    const fit = await w.addAgent({ name: 'Fit', skills: { billing: 3, french: 2 } });
    await w.manage.setPresence(fit.id, 'offline');
    await w.manage.setPresence(fit.id, 'available');
    await w.relay();
    expect((await w.pendingOf(fit.id)).map((o) => o.conversationId)).toEqual([id]);
  });
});

/** Four agents that each strategy ranks differently; answers who gets the first item. */
const firstPick = async (strategy: RoutingStrategy) => {
  const w = routingWorld();
  const queue = await w.addQueue({ strategy, skills: { billing: 1 } });
  const other = await w.addQueue({ skills: {} });
  const agents = {
    // idle longest, mid skill, small capacity
    idle: await w.addAgent({ name: 'Idle', skills: { billing: 2 }, lastOfferAt: at(-3600), capacity: { units: 30, perChannel: {} } }),
    // best skill, busy recently
    expert: await w.addAgent({ name: 'Expert', skills: { billing: 5 }, lastOfferAt: at(-10), capacity: { units: 100, perChannel: {} } }),
    // never offered anything, just came online
    fresh: await w.addAgent({ name: 'Fresh', skills: { billing: 1 }, lastOfferAt: null, presenceSince: at(0), capacity: { units: 100, perChannel: {} } }),
    // most capacity, though some in use
    big: await w.addAgent({ name: 'Big', skills: { billing: 1 }, lastOfferAt: at(-60), capacity: { units: 500, perChannel: {} } }),
  };
  // Load: Expert and Big already work one item each (from the other queue, accepted).
  for (const agent of [agents.expert, agents.big]) {
    const busy = await w.addItem(other);
    await w.store.transaction(async (s) => {
      const item = await s.workItems.get(busy);
      if (item) await s.workItems.update({ ...item, excludedAgents: Object.values(agents).filter((a) => a.id !== agent.id).map((a) => a.id) });
    });
  }
  await w.relay();
  for (const agent of [agents.expert, agents.big]) {
    for (const offer of await w.pendingOf(agent.id)) await w.answers.accept(offer.id, agent.id);
  }
  // Reset the offer times the set-up moved, so each strategy sees the agents as described.
  await w.store.transaction(async (s) => {
    for (const a of Object.values(agents)) {
      const current = await s.agents.get(a.id);
      if (current) await s.agents.update({ ...current, lastOfferAt: a.lastOfferAt });
    }
  });
  const id = await w.addItem(queue);
  await w.relay();
  const name = (await Promise.all(Object.entries(agents).map(async ([key, a]) => ((await w.pendingOf(a.id)).some((o) => o.conversationId === id) ? key : null)))).filter(Boolean);
  return { name, decisions: (await w.explain(id)).decisions };
};

describe('strategies', () => {
  it.each([
    ['longest-idle', 'idle'],
    ['least-occupied', 'idle'],
    ['most-available', 'big'],
    ['best-skill', 'expert'],
    ['round-robin', 'fresh'],
  ] as const)('%s offers to %s', async (strategy, expected) => {
    const { name, decisions } = await firstPick(strategy);
    expect(name).toEqual([expected]);
    expect(decisions.at(-1)?.detail).toContain(`by ${strategy}`);
  });

  it('least-occupied prefers the idler agent among equally loaded ones', async () => {
    // Idle, Fresh carry nothing: Idle has waited longer.
    expect((await firstPick('least-occupied')).name).toEqual(['idle']);
  });
});

describe('spreading work when several agents free up at once', () => {
  it.each(['longest-idle', 'least-occupied', 'most-available', 'round-robin', 'best-skill'] as const)('%s gives one item to each of three agents, not the backlog to the first', async (strategy) => {
    const w = routingWorld();
    const queue = await w.addQueue({ strategy });
    const items = [];
    for (let i = 0; i < 3; i += 1) {
      items.push(await w.addItem(queue));
      w.clock.advance(1);
    }
    const agents = [];
    for (const name of ['A', 'B', 'C']) agents.push(await w.addAgent({ name, skills: {}, presence: 'offline' }));
    for (const a of agents) await w.manage.setPresence(a.id, 'available');
    await w.relay();
    const counts = await Promise.all(agents.map(async (a) => (await w.pendingOf(a.id)).length));
    expect(counts).toEqual([1, 1, 1]);
  });
});

describe('sticky', () => {
  it("offers a returning customer's conversation to its last agent within the window, else by the strategy", async () => {
    for (const [gapSeconds, expectSticky] of [[60, true], [7200, false]] as const) {
      const w = routingWorld();
      const queue = await w.addQueue({ sticky: { windowSeconds: 3600 }, strategy: 'longest-idle' });
      const ada = await w.addAgent({ name: 'Ada' });
      const first = await w.addItem(queue, {}, { customerId: 'c0ffee00-0000-4000-8000-000000000001' });
      await w.relay();
      await w.answers.accept((await w.pendingOf(ada.id))[0]!.id, ada.id);
      await w.resolve(first);
      // Bo has waited far longer than Ada, so longest-idle alone would pick Bo.
      const bo = await w.addAgent({ name: 'Bo', lastOfferAt: new Date('2026-01-01T00:00:00Z') });
      w.clock.advance(gapSeconds);
      const second = await w.addItem(queue, {}, { customerId: 'c0ffee00-0000-4000-8000-000000000001' });
      await w.relay();
      const winner = (await w.pendingOf(ada.id)).some((o) => o.conversationId === second) ? 'ada' : (await w.pendingOf(bo.id)).some((o) => o.conversationId === second) ? 'bo' : null;
      expect(winner).toBe(expectSticky ? 'ada' : 'bo');
      expect((await w.explain(second)).decisions.at(-1)?.detail).toContain(expectSticky ? 'by sticky' : 'by longest-idle');
    }
  });
});

describe('a page whose plan fills its agents', () => {
  it('gives later, cheaper items the room left, and says of the others how many skilled agents are full', async () => {
    const w = routingWorld();
    const queue = await w.addQueue({ skills: {}, cost: 10 });
    const room = { units: 25, perChannel: {} };
    const [a, b] = [await w.addAgent({ name: 'A', capacity: room }), await w.addAgent({ name: 'B', capacity: room })];
    const c = await w.addAgent({ name: 'C', skills: { french: 1 }, capacity: room });
    const add = async (cost: number, skills: Record<string, number> = {}) => {
      w.clock.advance(1);
      return w.addItem(queue, { cost, skills });
    };
    const first = [];
    for (let i = 0; i < 6; i += 1) first.push(await add(10));
    const tooBig = await add(10);
    const french = await add(5, { french: 1 });
    const frenchLeft = await add(5, { french: 1 });
    const small = [await add(5), await add(5)];
    const smallLeft = await add(5);
    // One pass, one page: every item decided against the loads the plan itself moves.
    await w.route.run(queue.id);
    const offered = new Map<string, string[]>();
    for (const agent of [a, b, c]) offered.set(agent.name, (await w.pendingOf(agent.id)).map((o) => o.conversationId));
    expect([...offered.values()].map((ids) => ids.length).sort()).toEqual([3, 3, 3]);
    expect(offered.get('C')).toContain(french);
    const all = [...offered.values()].flat();
    expect(all.sort()).toEqual([...first, french, ...small].sort());
    expect((await w.item(tooBig))?.reasons).toEqual([{ code: 'all_at_capacity', detail: 'all 3 skilled agents are at capacity for email' }]);
    expect((await w.item(frenchLeft))?.reasons).toEqual([{ code: 'all_at_capacity', detail: 'all 1 skilled agents are at capacity for email' }]);
    expect((await w.item(smallLeft))?.reasons).toEqual([{ code: 'all_at_capacity', detail: 'all 3 skilled agents are at capacity for email' }]);
  });
});
