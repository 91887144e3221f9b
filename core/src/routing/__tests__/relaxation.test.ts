import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../shared/domain-error.js';
import { ROUTING_JOBS } from '../routing.jobs.js';
import { routingWorld } from './routing-world.js';

const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isDomainError(error)) throw new Error(`expected a DomainError, got ${String(error)}`);
  return error;
};

/** A queue that needs billing≥4 and (optionally) spanish≥3, widening after 60, 120 and 300 s. */
const relaxingWorld = async () => {
  const w = routingWorld();
  const tier2 = await w.addQueue({ name: 'tier2', skills: { general: 1 } });
  const queue = await w.addQueue({
    name: 'billing',
    skills: { billing: 4 },
    optionalSkills: { spanish: 3 },
    relaxation: [
      { afterSeconds: 60, dropOptionalSkills: true },
      { afterSeconds: 120, lowerLevelsBy: 1 },
      { afterSeconds: 300, alsoQueues: [tier2.id] },
    ],
  });
  return { w, queue, tier2 };
};

describe('stepwise relaxation', () => {
  it('drops optional skills when the first step comes due, by a delayed pass (no sweep), and records the step', async () => {
    const { w, queue } = await relaxingWorld();
    const ada = await w.addAgent({ name: 'Ada', skills: { billing: 4 } });
    const id = await w.addItem(queue, { skills: { billing: 4 }, optionalSkills: { spanish: 3 }, priority: 2 });
    const before = await w.item(id);
    await w.relay();
    expect(await w.pendingOf(ada.id)).toEqual([]);
    expect((await w.explain(id)).reasons.map((r) => r.code)).toEqual(['no_skilled_agent']);

    w.clock.advance(59);
    await w.relay();
    expect(await w.pendingOf(ada.id)).toEqual([]);

    // The pass planned when the item was queued comes due with the step (within a 250 ms slot).
    w.clock.advance(2);
    const ran = await w.relay();
    expect(ran.map((j) => j.name)).toContain(ROUTING_JOBS.evaluateQueue);
    expect((await w.pendingOf(ada.id)).map((o) => o.conversationId)).toEqual([id]);

    // Both recorded in the same instant (decisions of one instant list by id).
    const decisions = (await w.explain(id)).decisions;
    expect(decisions.map((d) => d.outcome).sort()).toEqual(['offered', 'relaxed']);
    const relaxed = decisions.find((d) => d.outcome === 'relaxed');
    expect(relaxed).toMatchObject({ rule: 'relaxation_step:1' });
    expect(relaxed?.detail).toContain('relaxation step 1 of 3 reached after 60 s: optional skills dropped (spanish≥3)');
    // Its place: priority and enqueue time as queued.
    expect(await w.item(id)).toMatchObject({ priority: 2, enqueuedAt: before?.enqueuedAt, relaxationStep: 1 });
  });

  it('lowers the required levels at the second step, not before; the explainer shows the step reached and the next', async () => {
    const { w, queue } = await relaxingWorld();
    const bo = await w.addAgent({ name: 'Bo', skills: { billing: 3, spanish: 3 } });
    const id = await w.addItem(queue, { skills: { billing: 4 }, optionalSkills: { spanish: 3 } });
    const enqueuedAt = (await w.item(id))?.enqueuedAt ?? new Date(0);
    await w.relay();

    w.clock.advance(61);
    await w.relay();
    expect(await w.pendingOf(bo.id)).toEqual([]);
    const explained = await w.explain(id);
    expect(explained.reasons.map((r) => r.code)).toEqual(['no_skilled_agent', 'relaxation_step']);
    expect(explained.reasons[1]).toMatchObject({ step: 1, widened: ['optional skills dropped (spanish≥3)'] });
    expect(explained.relaxation).toEqual({
      step: 1,
      of: 3,
      widened: ['optional skills dropped (spanish≥3)'],
      skills: { billing: 4 },
      nextStepAt: new Date(enqueuedAt.getTime() + 120_000).toISOString(),
    });

    w.clock.advance(60);
    await w.relay();
    expect((await w.pendingOf(bo.id)).map((o) => o.conversationId)).toEqual([id]);
    const relaxed = (await w.explain(id)).decisions.filter((d) => d.outcome === 'relaxed');
    expect(relaxed.map((d) => d.rule)).toEqual(['relaxation_step:1', 'relaxation_step:2']);
    expect(relaxed[1]?.detail).toContain('required levels lowered by 1 (billing≥3)');
  });

  it("opens the item to another queue's agents at the third step", async () => {
    const { w, queue } = await relaxingWorld();
    const cy = await w.addAgent({ name: 'Cy', skills: { general: 2 } });
    const id = await w.addItem(queue, { skills: { billing: 4 }, optionalSkills: { spanish: 3 } });
    await w.relay();
    for (const seconds of [61, 60, 100]) {
      w.clock.advance(seconds);
      await w.relay();
      expect(await w.pendingOf(cy.id)).toEqual([]);
    }
    w.clock.advance(80);
    await w.relay();
    expect((await w.pendingOf(cy.id)).map((o) => o.conversationId)).toEqual([id]);
    const offered = (await w.explain(id)).decisions.find((d) => d.outcome === 'offered');
    expect(offered?.agentId).toBe(cy.id);
    expect((await w.explain(id)).decisions.filter((d) => d.outcome === 'relaxed').map((d) => d.rule)).toEqual([
      'relaxation_step:1',
      'relaxation_step:2',
      'relaxation_step:3',
    ]);
  });

  it('an item that overflows into a relaxing queue reaches its step counted from its place, not from its arrival', async () => {
    const w = routingWorld();
    const relaxing = await w.addQueue({ name: 'billing', skills: { billing: 4 }, optionalSkills: { spanish: 3 }, relaxation: [{ afterSeconds: 60, dropOptionalSkills: true }] });
    const first = await w.addQueue({ name: 'first', skills: { french: 5 }, overflow: { afterSeconds: 30, queueId: relaxing.id } });
    const bo = await w.addAgent({ name: 'Bo', skills: { billing: 4 } });
    const id = await w.addItem(first, { skills: { french: 5 } });
    await w.relay();
    w.clock.advance(30);
    await w.route.run(first.id);
    await w.relay();
    expect(await w.item(id)).toMatchObject({ queueId: relaxing.id, skills: { billing: 4 }, optionalSkills: { spanish: 3 } });
    expect(await w.pendingOf(bo.id)).toEqual([]);
    // 61 s after it was first queued (31 s after it arrived): its step is due, and the pass the
    // last routing pass planned for it runs.
    w.clock.advance(31);
    await w.relay();
    expect((await w.pendingOf(bo.id)).map((o) => o.conversationId)).toEqual([id]);
  });

  it('keeps every item in its place: a relaxed item does not overtake an older or higher-priority one that is eligible too', async () => {
    const { w, queue } = await relaxingWorld();
    // Room for one item at a time.
    const ada = await w.addAgent({ name: 'Ada', skills: { billing: 4, spanish: 3 }, capacity: { units: 10, perChannel: {} } });
    await w.manage.setPresence(ada.id, 'busy');
    const old = await w.addItem(queue, { skills: { billing: 4 }, optionalSkills: { spanish: 3 }, priority: 1 });
    w.clock.advance(30);
    const young = await w.addItem(queue, { skills: { billing: 4 }, optionalSkills: { spanish: 3 }, priority: 1 });
    w.clock.advance(40);
    await w.relay();
    // The old item reached step 1, the young one not yet: their order is still priority then age.
    const waiting = await w.store.read((s) => s.workItems.listWaiting(queue.id, 10));
    expect(waiting.map((i) => [i.conversationId, i.priority])).toEqual([
      [old, 1],
      [young, 1],
    ]);
    await w.manage.setPresence(ada.id, 'available');
    await w.relay();
    expect((await w.pendingOf(ada.id)).map((o) => o.conversationId)).toEqual([old]);
  });

  it('validates steps (ascending, each widening something, known queues by id or name) and stores queue ids', async () => {
    const w = routingWorld();
    const tier2 = await w.manage.createQueue({ name: 'tier-2' });
    const steps = (relaxation: unknown) => w.manage.createQueue({ name: `q-${Math.random()}`, relaxation: relaxation as never });
    expect(await refusal(steps([{ afterSeconds: 120, lowerLevelsBy: 1 }, { afterSeconds: 60, dropOptionalSkills: true }]))).toMatchObject({
      kind: 'invalid',
      field: 'relaxation.1.afterSeconds',
    });
    expect(await refusal(steps([{ afterSeconds: 60 }]))).toMatchObject({ field: 'relaxation.0' });
    expect(await refusal(steps([{ afterSeconds: 60, alsoQueues: ['nowhere'] }]))).toMatchObject({ field: 'relaxation.0.alsoQueues.0' });
    const made = await steps([{ afterSeconds: 60, alsoQueues: ['tier-2'] }]);
    expect(made.relaxation).toEqual([{ afterSeconds: 60, alsoQueues: [tier2.id] }]);
  });
});
