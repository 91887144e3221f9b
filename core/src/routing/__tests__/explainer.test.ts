import { describe, expect, it } from 'vitest';
import { routingWorld } from './routing-world.js';

describe('routing explainer', () => {
  it('records why this agent: the ranked candidates at decision time and the rule that picked the winner', async () => {
    const w = routingWorld();
    const queue = await w.addQueue({ strategy: 'best-skill', skills: { billing: 2 } });
    const ada = await w.addAgent({ name: 'Ada', skills: { billing: 5 } });
    const bo = await w.addAgent({ name: 'Bo', skills: { billing: 3 } });
    await w.addAgent({ name: 'Cy', skills: { billing: 1 } });
    const id = await w.addItem(queue);
    await w.relay();
    const offered = (await w.explain(id)).decisions.find((d) => d.outcome === 'offered');
    expect(offered).toMatchObject({ agentId: ada.id, rule: 'best-skill' });
    // Cy lacks the level: not a candidate.
    expect(offered?.candidates?.map((c) => [c.rank, c.agentId, c.skillScore])).toEqual([
      [1, ada.id, 5],
      [2, bo.id, 3],
    ]);
  });

  it('keeps on the item why it waits, and answers it live', async () => {
    const w = routingWorld();
    const queue = await w.addQueue({ skills: { french: 3 } });
    const id = await w.addItem(queue);
    await w.relay();
    expect((await w.explain(id)).reasons.map((r) => r.code)).toEqual(['nobody_available']);
    await w.addAgent({ name: 'Ada', skills: { french: 1 } });
    await w.route.run(queue.id);
    expect((await w.item(id))?.reasons.map((r) => r.code)).toEqual(['no_skilled_agent']);
    expect((await w.explain(id)).reasons.map((r) => r.code)).toEqual(['no_skilled_agent']);
  });
});
