import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, aConversation, anAgent, aQueue, aWorkItem } from '../../testing/mothers.js';
import type { Agent } from '../agent.entity.js';
import { AnswerOffer } from '../use-cases/answer-offer.use-case.js';
import { RouteQueue } from '../use-cases/route-queue.use-case.js';

describe('AnswerOffer on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let answers: AnswerOffer;
  let ada: Agent;
  const queue = aQueue({ skills: {}, offerTimeoutSeconds: 30 });

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    answers = new AnswerOffer(store, clock, { setAwayOnOfferExpiry: true });
    ada = anAgent({ skills: {}, presence: 'available' });
    await store.transaction(async (s) => {
      await s.queues.insert(queue);
      await s.agents.insert(ada);
    });
  });

  /** A queued conversation, routed: offered to Ada, the only agent. */
  const offered = async () => {
    const conversation = aConversation({ status: 'queued', queueId: queue.id, createdAt: clock.now(), updatedAt: clock.now() });
    await store.transaction(async (s) => {
      await s.conversations.insert(conversation);
      await s.workItems.insert(aWorkItem({ conversationId: conversation.id, queueId: queue.id, skills: {}, enqueuedAt: clock.now() }));
    });
    await new RouteQueue(store, clock).run(queue.id);
    const [offer] = (await store.read((s) => s.offers.listByAgent(ada.id, 'pending', { limit: 10 }))).items.filter((o) => o.conversationId === conversation.id);
    if (!offer) throw new Error('the router made no offer');
    await store.transaction(async (s) => {
      await s.outbox.markDispatched((await s.outbox.claimUndispatched(100)).map((e) => e.id), clock.now());
    });
    return { conversationId: conversation.id, offer };
  };
  const events = () => store.read(async (s) => (await s.outbox.claimUndispatched(100)).map((e) => e.event));

  it('accepts: assigns the conversation, removes the work item, records the decision', async () => {
    const { conversationId, offer } = await offered();
    // Decisions are listed by time: the answer comes a moment after the offer.
    clock.advance(1);
    expect((await answers.accept(offer.id, ada.id)).status).toBe('accepted');
    expect(await store.read((s) => s.conversations.get(conversationId))).toMatchObject({ status: 'assigned', assignment: { agentId: ada.id } });
    expect(await store.read((s) => s.workItems.get(conversationId))).toBeNull();
    expect(await store.read((s) => s.assignments.activeByConversation(conversationId))).toMatchObject({ agentId: ada.id, endedAt: null });
    expect((await store.read((s) => s.decisions.listByConversation(conversationId))).map((d) => d.outcome)).toEqual(['offered', 'accepted']);
    await expect(answers.accept(offer.id, ada.id)).rejects.toMatchObject({ kind: 'conflict', code: 'OFFER.ANSWERED' });
  });

  it('declines: the item waits again, not to be offered to the decliner while others are eligible', async () => {
    const { conversationId, offer } = await offered();
    await answers.decline(offer.id, 'busy', ada.id);
    expect(await store.read((s) => s.workItems.get(conversationId))).toMatchObject({ state: 'waiting', excludedAgents: [ada.id] });
    expect((await store.read((s) => s.conversations.get(conversationId)))?.status).toBe('queued');
    expect(await events()).toEqual([
      { type: 'offer.answered', offerId: offer.id, conversationId, agentId: ada.id, status: 'declined', queueId: queue.id },
      { type: 'agent.freed', agentId: ada.id },
      { type: 'conversation.queued', conversationId, queueId: queue.id },
    ]);
  });

  it('expires an unanswered offer once due, sets the agent away, and does so once', async () => {
    const { conversationId, offer } = await offered();
    expect(await answers.expire(offer.id)).toBe(false);
    clock.advance(31);
    expect(await answers.expire(offer.id)).toBe(true);
    expect(await answers.expire(offer.id)).toBe(false);
    expect(await store.read((s) => s.offers.get(offer.id))).toMatchObject({ status: 'expired', reason: 'timed out' });
    expect((await store.read((s) => s.agents.get(ada.id)))?.presence).toBe('away');
    expect(await store.read((s) => s.workItems.get(conversationId))).toMatchObject({ state: 'waiting', excludedAgents: [ada.id] });
  });

  it('answers an accept that comes too late with a conflict, and records the expiry all the same', async () => {
    const { offer } = await offered();
    clock.advance(31);
    await expect(answers.accept(offer.id, ada.id)).rejects.toMatchObject({ kind: 'conflict', code: 'OFFER.EXPIRED' });
    expect((await store.read((s) => s.offers.get(offer.id)))?.status).toBe('expired');
    expect((await store.read((s) => s.agents.get(ada.id)))?.presence).toBe('away');
  });
});
