import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, anAgent, aQueue, aWorkItem, secondsAfter } from '../../testing/mothers.js';
import type { Agent } from '../agent.entity.js';
import type { Queue } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import { ManageRouting } from '../use-cases/manage-routing.use-case.js';

// The instant offer to an agent who becomes available (ManageRouting.setPresence): the best settled
// item it can take, at once; the rest of its room, and every fresh item, stay the passes'.
describe('an agent becoming available is offered the best settled item at once', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let routing: ManageRouting;
  const start = new Date('2026-06-01T09:00:00.000Z');

  beforeEach(() => {
    store = new InMemoryStore();
    clock = aClock(start);
    routing = new ManageRouting(store, clock, { requeueOnOffline: true, declineCooldownSeconds: 3600 });
  });

  const queue = async (overrides: Partial<Queue> = {}): Promise<Queue> => {
    const q = aQueue({ skills: { english: 2 }, ...overrides });
    await store.transaction((s) => s.queues.insert(q));
    return q;
  };
  const agent = async (overrides: Partial<Agent> = {}): Promise<Agent> => {
    const a = anAgent({ skills: { english: 3 }, presence: 'away', ...overrides });
    await store.transaction((s) => s.agents.insert(a));
    return a;
  };
  /** A queued conversation waiting in `q`, enqueued `secondsAgo` before the clock's start. */
  const waiting = async (q: Queue, secondsAgo: number, overrides: Partial<WorkItem> = {}): Promise<string> => {
    const at = secondsAfter(start, -secondsAgo);
    const conversation = aConversation({ status: 'queued', queueId: q.id, createdAt: at, updatedAt: at });
    await store.transaction(async (s) => {
      await s.conversations.insert(conversation);
      await s.workItems.insert(aWorkItem({ conversationId: conversation.id, queueId: q.id, skills: q.skills, enqueuedAt: at, updatedAt: at, ...overrides }));
    });
    return conversation.id;
  };
  const offeredTo = async (a: Agent): Promise<string[]> =>
    (await store.read((s) => s.offers.listByAgent(a.id, 'pending', { limit: 100 }))).items.map((o) => o.conversationId);

  it('offers the highest-priority, then oldest, settled item and records why', async () => {
    const q = await queue();
    await waiting(q, 60);
    const urgent = await waiting(q, 10, { priority: 1 });
    await waiting(q, 30);
    const ada = await agent();

    await routing.setPresence(ada.id, 'available');

    expect(await offeredTo(ada)).toEqual([urgent]);
    const decisions = await store.read((s) => s.decisions.listByConversation(urgent));
    expect(decisions.map((d) => d.outcome)).toEqual(['offered']);
    expect(decisions[0]).toMatchObject({ agentId: ada.id, rule: 'on-available' });
    expect(decisions[0]?.detail).toContain('as it became available');
    expect(decisions[0]?.candidates?.map((c) => c.agentId)).toEqual([ada.id]);
    expect(await store.read((s) => s.workItems.get(urgent))).toMatchObject({ state: 'offered' });
    // One commit: the agent is available as of the offer, and both events are out, presence first.
    expect(await store.read((s) => s.agents.get(ada.id))).toMatchObject({ presence: 'available', presenceSince: start, lastOfferAt: start });
    const events = await store.read(async (s) => (await s.outbox.claimUndispatched(100)).map((e) => e.event.type));
    expect(events).toEqual(['agent.presence', 'offer.created']);
  });

  it('gives each of several agents coming online one distinct item, oldest first', async () => {
    const q = await queue();
    const items = [];
    for (let i = 0; i < 6; i += 1) items.push(await waiting(q, 100 - i));
    const agents = [await agent(), await agent(), await agent(), await agent()];

    for (const a of agents) await routing.setPresence(a.id, 'available');

    const offered = await Promise.all(agents.map(offeredTo));
    expect(offered).toEqual(items.slice(0, 4).map((id) => [id]));
  });

  it('leaves a fresh item that no pass has seen to its pass', async () => {
    const q = await queue();
    const fresh = await waiting(q, 0);
    const ada = await agent();

    await routing.setPresence(ada.id, 'available');

    expect(await offeredTo(ada)).toEqual([]);
    expect(await store.read((s) => s.workItems.get(fresh))).toMatchObject({ state: 'waiting' });
    // Once it has waited past the pass's moment, the next agent to come online takes it.
    clock.advance(5);
    const bo = await agent();
    await routing.setPresence(bo.id, 'available');
    expect(await offeredTo(bo)).toEqual([fresh]);
  });

  it('takes a fresh item at once when a pass has left it waiting for nobody available', async () => {
    const q = await queue();
    const leftWaiting = await waiting(q, 0, { reasons: [{ code: 'nobody_available', detail: 'no agent is available' }] });
    const ada = await agent();

    await routing.setPresence(ada.id, 'available');

    expect(await offeredTo(ada)).toEqual([leftWaiting]);
  });

  it('looks only in open queues whose skills the agent has', async () => {
    const french = await queue({ skills: { french: 2 } });
    // 05:00 in New York: closed.
    const closed = await queue({ businessHours: { timeZone: 'America/New_York', weekly: { mon: [{ start: '09:00', end: '17:00' }] } } });
    const open = await queue();
    await waiting(french, 300);
    await waiting(closed, 200);
    const takeable = await waiting(open, 100);
    const ada = await agent();

    await routing.setPresence(ada.id, 'available');

    expect(await offeredTo(ada)).toEqual([takeable]);
  });

  it('does not offer an agent straight back what it declined, and takes the next item instead', async () => {
    const q = await queue();
    const ada = await agent();
    const declined = await waiting(q, 100, { excludedAgents: [ada.id], declinedAt: secondsAfter(start, -50) });
    const next = await waiting(q, 50);

    await routing.setPresence(ada.id, 'available');

    expect(await offeredTo(ada)).toEqual([next]);
    expect(await store.read((s) => s.workItems.get(declined))).toMatchObject({ state: 'waiting' });
  });

  it('makes no instant offer to an agent who goes away, or who was already available', async () => {
    const q = await queue();
    const item = await waiting(q, 100);
    const ada = await agent({ presence: 'offline' });
    const bo = await agent({ presence: 'available' });

    await routing.setPresence(ada.id, 'away');
    await routing.setPresence(bo.id, 'available');

    expect(await offeredTo(ada)).toEqual([]);
    expect(await offeredTo(bo)).toEqual([]);
    expect(await store.read((s) => s.workItems.get(item))).toMatchObject({ state: 'waiting' });
  });
});
