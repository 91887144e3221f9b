import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock } from '../../testing/mothers.js';
import { ManageRouting } from '../use-cases/manage-routing.use-case.js';
import { routingWorld } from './routing-world.js';

describe('queues: offerTimeoutSeconds', () => {
  const store = new InMemoryStore();
  const manage = new ManageRouting(store, aClock());

  it.each([1, 86_400])('accepts %i seconds', async (seconds) => {
    expect((await manage.createQueue({ name: `q-${seconds}`, offerTimeoutSeconds: seconds })).offerTimeoutSeconds).toBe(seconds);
  });

  it.each([0, 86_401, 1.5])('refuses %d seconds, naming the field, and creates nothing', async (seconds) => {
    await expect(manage.createQueue({ name: 'bad', offerTimeoutSeconds: seconds })).rejects.toMatchObject({ kind: 'invalid', field: 'offerTimeoutSeconds' });
    const queue = await manage.createQueue({ name: `ok-${String(seconds).replace('.', '-')}` });
    await expect(manage.updateQueue(queue.id, { offerTimeoutSeconds: seconds })).rejects.toMatchObject({ kind: 'invalid', field: 'offerTimeoutSeconds' });
    expect((await store.read((s) => s.queues.get(queue.id)))?.offerTimeoutSeconds).toBe(60);
    expect(await store.read((s) => s.queues.getByName('bad'))).toBeNull();
  });
});

describe('offers: declines', () => {
  it('never goes straight back to the decliner while another agent is eligible', async () => {
    const w = routingWorld();
    const queue = await w.addQueue();
    const ada = await w.addAgent({ name: 'Ada', lastOfferAt: new Date('2026-01-01T00:00:00Z') });
    const bo = await w.addAgent({ name: 'Bo', lastOfferAt: new Date('2026-01-02T00:00:00Z') });
    const id = await w.addItem(queue);
    await w.relay();
    const [first] = await w.pendingOf(ada.id);
    expect(first?.conversationId).toBe(id);
    await w.answers.decline(first!.id, 'busy', ada.id);
    await w.relay();
    // Ada is idler than Bo by far, yet Bo gets it: she declined.
    expect((await w.pendingOf(bo.id)).map((o) => o.conversationId)).toEqual([id]);
    expect(await w.pendingOf(ada.id)).toEqual([]);
  });

  it('waits as declined_by_all only when nobody else is eligible, then asks the earliest decliner again after the cool-down', async () => {
    const w = routingWorld({ declineCooldownSeconds: 30 });
    const queue = await w.addQueue();
    const ada = await w.addAgent({ name: 'Ada', lastOfferAt: new Date('2026-01-01T00:00:00Z') });
    const bo = await w.addAgent({ name: 'Bo', lastOfferAt: new Date('2026-01-02T00:00:00Z') });
    const id = await w.addItem(queue);
    await w.relay();
    await w.answers.decline((await w.pendingOf(ada.id))[0]!.id, undefined, ada.id);
    await w.relay();
    w.clock.advance(5);
    await w.answers.decline((await w.pendingOf(bo.id))[0]!.id, undefined, bo.id);
    await w.relay();
    expect(await w.item(id)).toMatchObject({ state: 'waiting', excludedAgents: [ada.id, bo.id] });
    expect((await w.explain(id)).reasons.map((r) => r.code)).toEqual(['declined_by_all']);

    // A third agent is someone else: offered at once, the decliners' cool-down notwithstanding.
    const cy = await w.addAgent({ name: 'Cy' });
    await w.manage.setPresence(cy.id, 'offline');
    await w.manage.setPresence(cy.id, 'available');
    await w.relay();
    expect((await w.pendingOf(cy.id)).map((o) => o.conversationId)).toEqual([id]);
    await w.answers.decline((await w.pendingOf(cy.id))[0]!.id, undefined, cy.id);
    await w.relay();
    expect((await w.explain(id)).reasons.map((r) => r.code)).toEqual(['declined_by_all']);

    // After the cool-down the delayed pass offers it to Ada, who declined longest ago.
    w.clock.advance(31);
    await w.relay();
    expect((await w.pendingOf(ada.id)).map((o) => o.conversationId)).toEqual([id]);
    expect(await w.pendingOf(bo.id)).toEqual([]);
  });
});

describe('offers: presence changes', () => {
  it.each(['busy', 'away', 'offline'] as const)('rescinds pending offers when the agent goes %s, and the item is offered to another at once', async (presence) => {
    const w = routingWorld();
    const queue = await w.addQueue();
    const ada = await w.addAgent({ name: 'Ada' });
    const id = await w.addItem(queue);
    await w.relay();
    const [offer] = await w.pendingOf(ada.id);
    expect(offer?.conversationId).toBe(id);
    const bo = await w.addAgent({ name: 'Bo' });
    w.clock.advance(1);

    await w.manage.setPresence(ada.id, presence);
    expect(await w.store.read((s) => s.offers.get(offer!.id))).toMatchObject({ status: 'rescinded', reason: `agent ${presence}` });
    // Not held against Ada: a rescinded offer is not a refusal.
    expect(await w.item(id)).toMatchObject({ state: 'waiting', excludedAgents: [] });
    expect((await w.conversation(id))?.status).toBe('queued');
    expect((await w.explain(id)).decisions.map((d) => d.outcome)).toEqual(['offered', 'rescinded']);
    await w.relay();
    expect((await w.pendingOf(bo.id)).map((o) => o.conversationId)).toEqual([id]);
  });

  it('queues the conversations of an agent who goes offline again, and keeps them with requeueOnOffline off', async () => {
    for (const requeueOnOffline of [true, false]) {
      const w = routingWorld({ requeueOnOffline });
      const queue = await w.addQueue();
      const ada = await w.addAgent({ name: 'Ada' });
      const id = await w.addItem(queue);
      await w.relay();
      await w.answers.accept((await w.pendingOf(ada.id))[0]!.id, ada.id);
      expect((await w.conversation(id))?.assignment?.agentId).toBe(ada.id);

      await w.manage.setPresence(ada.id, 'offline');
      const after = await w.conversation(id);
      if (requeueOnOffline) {
        expect(after).toMatchObject({ status: 'queued', assignment: null, queueId: queue.id });
        expect(await w.item(id)).toMatchObject({ state: 'waiting', queueId: queue.id });
        expect(await w.store.read((s) => s.assignments.activeByConversation(id))).toBeNull();
        const bo = await w.addAgent({ name: 'Bo' });
        await w.manage.setPresence(bo.id, 'offline');
        await w.manage.setPresence(bo.id, 'available');
        await w.relay();
        expect((await w.pendingOf(bo.id)).map((o) => o.conversationId)).toEqual([id]);
      } else {
        expect(after).toMatchObject({ status: 'assigned', assignment: { agentId: ada.id } });
        expect(await w.item(id)).toBeNull();
      }
    }
  });

  it('sets an agent who lets an offer time out away, and rescinds its other pending offers', async () => {
    const w = routingWorld();
    const queue = await w.addQueue();
    const ada = await w.addAgent({ name: 'Ada' });
    const first = await w.addItem(queue);
    w.clock.advance(1);
    const second = await w.addItem(queue);
    await w.relay();
    expect((await w.pendingOf(ada.id)).map((o) => o.conversationId).sort()).toEqual([first, second].sort());
    w.clock.advance(31);
    await w.relay();
    expect((await w.agent(ada.id)).presence).toBe('away');
    expect(await w.pendingOf(ada.id)).toEqual([]);
    const statuses = await w.store.read(async (s) => (await s.offers.listByAgent(ada.id, undefined, { limit: 10 })).items.map((o) => o.status).sort());
    // The first to be handled expired; the other was either expired too or rescinded when Ada went away.
    expect(statuses[0]).toBe('expired');
    expect(['expired', 'rescinded']).toContain(statuses[1]);
  });

  it('keeps an agent available after a timeout when setAwayOnOfferExpiry is off', async () => {
    const w = routingWorld({ setAwayOnOfferExpiry: false });
    const queue = await w.addQueue();
    const ada = await w.addAgent({ name: 'Ada' });
    const id = await w.addItem(queue);
    await w.relay();
    w.clock.advance(31);
    await w.relay();
    expect((await w.agent(ada.id)).presence).toBe('available');
    expect(await w.item(id)).toMatchObject({ excludedAgents: [ada.id] });
  });
});

describe('offers: capacity freed', () => {
  it.each(['resolve', 'decline', 'expiry'] as const)('offers the best waiting item at once after a %s, not at the next sweep', async (how) => {
    const w = routingWorld({ setAwayOnOfferExpiry: false, declineCooldownSeconds: 3600 });
    const queue = await w.addQueue({ cost: 10 });
    const ada = await w.addAgent({ name: 'Ada', capacity: { units: 10, perChannel: {} } });
    const busy = await w.addItem(queue);
    w.clock.advance(1);
    const older = await w.addItem(queue);
    w.clock.advance(1);
    const newer = await w.addItem(queue);
    await w.relay();
    const [offer] = await w.pendingOf(ada.id);
    expect(offer?.conversationId).toBe(busy);
    expect((await w.explain(older)).reasons.map((r) => r.code)).toEqual(['all_at_capacity']);

    if (how === 'resolve') {
      await w.answers.accept(offer!.id, ada.id);
      await w.relay();
      await w.resolve(busy);
    } else if (how === 'decline') {
      await w.answers.decline(offer!.id, undefined, ada.id);
    } else {
      w.clock.advance(31);
    }
    const jobs = await w.relay();
    // No sweep ran: the freed capacity planned the pass.
    expect(jobs.some((j) => j.jobId.includes(':sweep:'))).toBe(false);
    expect((await w.pendingOf(ada.id)).map((o) => o.conversationId)).toEqual([older]);
    expect((await w.item(newer))?.state).toBe('waiting');
  });
});
