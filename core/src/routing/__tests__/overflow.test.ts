import { describe, expect, it } from 'vitest';
import { routingWorld } from './routing-world.js';

describe('overflow', () => {
  it('moves an item that waited past the threshold to the overflow queue, keeping its place, where its agents take it', async () => {
    const w = routingWorld();
    const spill = await w.addQueue({ name: 'spill', skills: { general: 1 } });
    const main = await w.addQueue({ name: 'main', skills: { billing: 4 }, overflow: { afterSeconds: 120, queueId: spill.id } });
    const generalist = await w.addAgent({ name: 'Gen', skills: { general: 2 } });
    const id = await w.addItem(main, { priority: 1 });
    const enqueuedAt = (await w.item(id))?.enqueuedAt;
    await w.relay();
    expect(await w.pendingOf(generalist.id)).toEqual([]);
    expect((await w.item(id))?.queueId).toBe(main.id);

    w.clock.advance(121);
    await w.route.run(main.id);
    w.clock.advance(1);
    await w.relay();
    expect((await w.conversation(id))?.queueId).toBe(spill.id);
    expect((await w.pendingOf(generalist.id)).map((o) => o.conversationId)).toEqual([id]);
    const decisions = (await w.explain(id)).decisions;
    expect(decisions.map((d) => d.outcome)).toEqual(['transferred', 'offered']);
    expect(decisions[0]?.detail).toContain('overflowed from main to spill after waiting 120 s');
    // Its place: the original enqueue time and priority travel with it.
    const offered = await w.store.read((s) => s.workItems.get(id));
    expect(offered).toMatchObject({ queueId: spill.id, enqueuedAt, priority: 1, skills: { general: 1 } });
  });

  it('overflows even while nobody is available, and not before the threshold', async () => {
    const w = routingWorld();
    const spill = await w.addQueue({ name: 'spill-2' });
    const main = await w.addQueue({ name: 'main-2', overflow: { afterSeconds: 60, queueId: spill.id } });
    const id = await w.addItem(main);
    w.clock.advance(59);
    await w.route.run(main.id);
    expect((await w.item(id))?.queueId).toBe(main.id);
    w.clock.advance(1);
    await w.route.run(main.id);
    expect((await w.item(id))?.queueId).toBe(spill.id);
  });
});
