import { beforeEach, describe, expect, it } from 'vitest';
import type { ChannelRegistry } from '../../delivery/ports/channel-registry.port.js';
import { CustomerQueries } from '../../identity/use-cases/customer-queries.js';
import { IngestInbound } from '../../inbound/use-cases/ingest-inbound.use-case.js';
import type { Channel } from '../../plugin-api/channel.port.js';
import type { Agent } from '../../routing/agent.entity.js';
import { AnswerOffer } from '../../routing/use-cases/answer-offer.use-case.js';
import { ManageRouting } from '../../routing/use-cases/manage-routing.use-case.js';
import { RouteQueue } from '../../routing/use-cases/route-queue.use-case.js';
import { InMemoryStore } from '../../testing/in-memory-store.js';
import { aClock, anInboundMessage, uniqueToken } from '../../testing/mothers.js';
import type { Actor } from '../ports/desk-commands.port.js';
import { DeskActions } from '../use-cases/desk-commands.use-case.js';

const HOUR = 3600;
const operator: Actor = { kind: 'operator' };
const as = (agent: Agent): Actor => ({ kind: 'agent', agentId: agent.id });
const refused = (kind: string, code: string, field?: string) => expect.objectContaining({ name: 'DomainError', kind, code, ...(field ? { field } : {}) });

/** A channel that names its messages itself, as email does with Message-ID. */
const email: Channel = { channel: 'email', send: async () => ({}), outboundExternalId: ({ interactionId }) => `<${interactionId}@hub.example.com>` };

describe('DeskActions on the in-memory store', () => {
  let store: InMemoryStore;
  let clock: ReturnType<typeof aClock>;
  let ingest: IngestInbound;
  let routing: ManageRouting;
  let desk: DeskActions;
  let route: () => Promise<unknown>;
  let ada: Agent;
  let bo: Agent;

  beforeEach(async () => {
    store = new InMemoryStore();
    clock = aClock();
    const settings = { continuityWindowSeconds: HOUR, channelQueues: {}, setAwayOnOfferExpiry: true };
    const channels: ChannelRegistry = { find: (name) => (name === email.channel ? email : undefined) };
    routing = new ManageRouting(store, clock);
    ingest = new IngestInbound(store, clock, settings);
    desk = new DeskActions(store, clock, new AnswerOffer(store, clock, settings), routing, new CustomerQueries(store), channels);
    const queue = await routing.ensureDefaultQueue();
    const router = new RouteQueue(store, clock);
    route = () => router.run(queue.id);
    ada = await routing.createAgent({ name: 'Ada' });
    bo = await routing.createAgent({ name: 'Bo' });
  });

  /** A customer's email, offered to `agent` (the only one available while it is routed). */
  const offeredTo = async (agent: Agent, from = `ann-${uniqueToken()}@example.com`) => {
    const sent = await ingest.ingest(anInboundMessage({ from: { kind: 'email', value: from } }));
    await routing.setPresence(agent.id, 'available');
    await route();
    // Out of routing's sight without the presence change that would rescind the offer just made.
    await store.transaction(async (s) => {
      const current = await s.agents.get(agent.id);
      if (current) await s.agents.update({ ...current, presence: 'offline' });
    });
    const [offer] = (await store.read((s) => s.offers.listByAgent(agent.id, 'pending', { limit: 10 }))).items.filter((o) => o.conversationId === sent.conversationId);
    if (!offer) throw new Error(`no offer to ${agent.name}`);
    return { ...sent, offerId: offer.id };
  };
  const assignedTo = async (agent: Agent) => {
    const offered = await offeredTo(agent);
    await desk.accept(as(agent), offered.offerId);
    return offered;
  };
  const conversation = (id: string) => store.read((s) => s.conversations.get(id));
  const entries = (id: string) => store.read((s) => s.interactions.listByConversation(id));

  describe('an agent actor', () => {
    it('may reply to, note, and resolve a conversation assigned to it', async () => {
      const { conversationId } = await assignedTo(ada);
      const reply = await desk.reply(as(ada), conversationId, { text: 'On it.' });
      expect(reply).toMatchObject({ direction: 'outbound', agentId: ada.id, text: 'On it.' });
      const note = await desk.note(as(ada), conversationId, { text: 'VIP, be quick' });
      expect(note).toMatchObject({ direction: 'internal', type: 'note', agentId: ada.id });
      expect((await desk.resolve(as(ada), conversationId)).status).toBe('resolved');
    });

    it('may not reply to, note, resolve or transfer a conversation assigned to another agent; nothing changes', async () => {
      const { conversationId } = await assignedTo(ada);
      const before = await entries(conversationId);
      const notYours = refused('forbidden', 'CONVERSATION.NOT_ASSIGNED_TO_YOU');
      await expect(desk.reply(as(bo), conversationId, { text: 'Mine now' })).rejects.toThrow(notYours);
      await expect(desk.note(as(bo), conversationId, { text: 'psst' })).rejects.toThrow(notYours);
      await expect(desk.resolve(as(bo), conversationId)).rejects.toThrow(notYours);
      const queue = await store.read((s) => s.queues.getByName('default'));
      await expect(desk.transfer(as(bo), conversationId, { queueId: queue!.id })).rejects.toThrow(notYours);
      expect(await entries(conversationId)).toEqual(before);
      expect(await conversation(conversationId)).toMatchObject({ status: 'assigned', assignment: { agentId: ada.id } });
    });

    it('may transfer a conversation assigned to it, and then no longer acts on it', async () => {
      const { conversationId } = await assignedTo(ada);
      const queue = await routing.createQueue({ name: 'billing' });
      expect(await desk.transfer(as(ada), conversationId, { queueId: queue.id })).toMatchObject({ status: 'queued', queueId: queue.id, assignment: null });
      await expect(desk.note(as(ada), conversationId, { text: 'still here?' })).rejects.toThrow(refused('forbidden', 'CONVERSATION.NOT_ASSIGNED_TO_YOU'));
    });

    it('may not name another agent to act as', async () => {
      const { conversationId } = await assignedTo(ada);
      await expect(desk.reply(as(ada), conversationId, { agentId: bo.id, text: 'as Bo' })).rejects.toThrow(refused('forbidden', 'DESK.NOT_YOURS'));
      await expect(desk.setPresence(as(ada), bo.id, 'available')).rejects.toThrow(refused('forbidden', 'DESK.NOT_YOURS'));
      await expect(desk.listWork(as(ada), bo.id)).rejects.toThrow(refused('forbidden', 'DESK.NOT_YOURS'));
    });

    it('may accept or decline only its own offers', async () => {
      const { offerId } = await offeredTo(ada);
      await expect(desk.accept(as(bo), offerId)).rejects.toThrow(refused('forbidden', 'OFFER.NOT_YOURS'));
      await expect(desk.decline(as(bo), offerId, 'not mine')).rejects.toThrow(refused('forbidden', 'OFFER.NOT_YOURS'));
      expect((await store.read((s) => s.offers.get(offerId)))?.status).toBe('pending');
      expect((await desk.decline(as(ada), offerId, 'at lunch')).status).toBe('declined');

      const second = await offeredTo(ada);
      expect((await desk.accept(as(ada), second.offerId)).status).toBe('accepted');
      expect(await conversation(second.conversationId)).toMatchObject({ status: 'assigned', assignment: { agentId: ada.id } });
    });

    it('lists its own work: pending offers and assigned conversations', async () => {
      const assigned = await assignedTo(ada);
      const offered = await offeredTo(ada);
      await assignedTo(bo);
      const work = await desk.listWork(as(ada), ada.id);
      expect(work.offers.map((o) => o.id)).toEqual([offered.offerId]);
      expect(work.assigned.map((c) => c.id)).toEqual([assigned.conversationId]);
    });
  });

  describe('an operator', () => {
    it('may act on any conversation and answer any offer', async () => {
      const { conversationId } = await assignedTo(ada);
      expect(await desk.note(operator, conversationId, { agentId: bo.id, text: 'covering for Ada' })).toMatchObject({ agentId: bo.id });
      const offered = await offeredTo(bo);
      expect((await desk.accept(operator, offered.offerId)).status).toBe('accepted');
      expect((await desk.resolve(operator, conversationId)).status).toBe('resolved');
    });

    it('must name the agent who replies or notes', async () => {
      const { conversationId } = await assignedTo(ada);
      const before = await entries(conversationId);
      await expect(desk.reply(operator, conversationId, { text: 'Hello' })).rejects.toThrow(refused('invalid', 'DESK.AGENT_REQUIRED', 'agentId'));
      await expect(desk.note(operator, conversationId, { text: 'Hello' })).rejects.toThrow(refused('invalid', 'DESK.AGENT_REQUIRED', 'agentId'));
      await expect(desk.reply(operator, conversationId, { agentId: '00000000-0000-4000-8000-000000000000', text: 'Hello' })).rejects.toThrow(
        refused('invalid', 'AGENT.NOT_FOUND', 'agentId'),
      );
      expect(await entries(conversationId)).toEqual(before);
      expect((await desk.reply(operator, conversationId, { agentId: ada.id, text: 'Hello' })).agentId).toBe(ada.id);
    });
  });

  describe('a reply', () => {
    it('records the external id its channel gives, and an answer naming that id joins the conversation', async () => {
      const { conversationId, customerId } = await assignedTo(ada);
      const reply = await desk.reply(as(ada), conversationId, { text: 'Could you send the order number?' });
      expect(reply.externalId).toBe(`<${reply.id}@hub.example.com>`);
      expect(await store.read((s) => s.deliveries.get(reply.id))).toMatchObject({ status: 'pending', channel: 'email' });
      expect(await store.read(async (s) => (await s.outbox.claimUndispatched(100)).map((o) => o.event))).toContainEqual({ type: 'delivery.requested', interactionId: reply.id, attempt: 1 });
      expect((await conversation(conversationId))?.status).toBe('waiting');

      // Past the continuity window, so only the reference can bring the answer here.
      clock.advance(2 * HOUR);
      const party = reply.party!;
      const answer = await ingest.ingest(anInboundMessage({ from: { kind: party.kind, value: party.value }, threadRefs: [reply.externalId!] }));
      expect(answer).toMatchObject({ conversationId, customerId, duplicate: false });
      expect(await conversation(conversationId)).toMatchObject({ status: 'assigned', assignment: { agentId: ada.id } });
    });

    it('has no external id on a channel that names none', async () => {
      const sent = await ingest.ingest(anInboundMessage({ channel: 'webhook', externalId: `w-${uniqueToken()}` }));
      const reply = await desk.reply(operator, sent.conversationId, { agentId: ada.id, text: 'Hi' });
      expect(reply.externalId).toBeNull();
      expect(reply.channel).toBe('webhook');
    });
  });
});
