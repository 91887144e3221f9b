import type { Agent } from '../../routing/agent.entity.js';
import { eligibleFor } from '../../routing/eligibility.js';
import { costFor } from '../../routing/queue.entity.js';
import { conflict, invalid, notFound } from '../../shared/domain-error.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store, StoreSession } from '../../shared/ports/store.port.js';
import type { Conversation } from '../conversation.entity.js';
import type { Interaction } from '../interaction.entity.js';
import { appendEntry, lockKeys } from '../ledger-writer.js';

export interface ReplyInput {
  agentId: string;
  text: string;
  html?: string | undefined;
}

/** What agents do to a conversation: reply, note, resolve, reopen, transfer. */
export class DeskActions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** An outbound message through the channel the customer last wrote from, delivered by a job. */
  async reply(conversationId: string, input: ReplyInput): Promise<Interaction> {
    if (input.text.trim().length === 0) throw invalid('REPLY.EMPTY', 'a reply needs text', 'text');
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId);
      if (conversation.status === 'closed') throw conflict('CONVERSATION.CLOSED', `conversation ${conversationId} is closed`);
      const agent = await this.agent(session, input.agentId);
      const lastInbound = await session.interactions.lastInbound(conversationId);
      if (!lastInbound || !conversation.lastInboundChannel) {
        throw conflict('REPLY.NO_CHANNEL', `conversation ${conversationId} has no inbound message to reply to`);
      }
      const now = this.clock.now();
      const interaction = await appendEntry(
        session,
        conversation,
        {
          channel: conversation.lastInboundChannel,
          direction: 'outbound',
          type: 'message',
          threadRef: lastInbound.threadRef ?? lastInbound.externalId,
          subject: lastInbound.subject ? (/^re:/i.test(lastInbound.subject) ? lastInbound.subject : `Re: ${lastInbound.subject}`) : null,
          text: input.text,
          html: input.html ?? null,
          party: lastInbound.party,
          agentId: agent.id,
          data: { inReplyTo: lastInbound.externalId },
        },
        now,
      );
      await session.deliveries.insert({
        interactionId: interaction.id,
        channel: interaction.channel,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        reason: null,
        providerMessageId: null,
        updatedAt: now,
      });
      await session.conversations.update({
        ...conversation,
        status: conversation.status === 'assigned' ? 'waiting' : conversation.status,
        firstResponseAt: conversation.firstResponseAt ?? now,
        updatedAt: now,
      });
      await session.outbox.add([{ type: 'delivery.requested', interactionId: interaction.id, attempt: 1 }]);
      return interaction;
    });
  }

  async note(conversationId: string, input: { agentId: string; text: string }): Promise<Interaction> {
    if (input.text.trim().length === 0) throw invalid('NOTE.EMPTY', 'a note needs text', 'text');
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId);
      const agent = await this.agent(session, input.agentId);
      const now = this.clock.now();
      const interaction = await appendEntry(session, conversation, { channel: 'system', direction: 'internal', type: 'note', text: input.text, agentId: agent.id }, now);
      await session.conversations.update({ ...conversation, updatedAt: now });
      return interaction;
    });
  }

  async resolve(conversationId: string, input: { agentId?: string | undefined }): Promise<Conversation> {
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId);
      if (conversation.status === 'resolved' || conversation.status === 'closed') {
        throw conflict('CONVERSATION.ALREADY_RESOLVED', `conversation ${conversationId} is already ${conversation.status}`);
      }
      const now = this.clock.now();
      await this.release(session, conversationId, now, 'resolved');
      const resolved: Conversation = { ...conversation, status: 'resolved', assignment: null, resolvedAt: now, updatedAt: now };
      await session.conversations.update(resolved);
      await this.statusEntry(session, conversation, conversation.status, 'resolved', input.agentId, now);
      await session.outbox.add([{ type: 'conversation.resolved', conversationId }]);
      return resolved;
    });
  }

  async reopen(conversationId: string, input: { agentId?: string | undefined }): Promise<Conversation> {
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId);
      if (conversation.status !== 'resolved') throw conflict('CONVERSATION.NOT_RESOLVED', `only a resolved conversation can be reopened (it is ${conversation.status})`);
      const queueId = conversation.queueId;
      const queue = queueId ? await session.queues.get(queueId) : null;
      if (!queue) throw conflict('CONVERSATION.NO_QUEUE', `conversation ${conversationId} has no queue to return to`);
      const now = this.clock.now();
      const channel = conversation.lastInboundChannel ?? conversation.channels[0] ?? 'system';
      await session.workItems.insert({
        conversationId, queueId: queue.id, priority: conversation.priority, channel, skills: queue.skills, cost: costFor(queue, channel),
        state: 'waiting', enqueuedAt: now, excludedAgents: [], reasons: [], updatedAt: now,
      });
      const reopened: Conversation = { ...conversation, status: 'queued', resolvedAt: null, updatedAt: now };
      await session.conversations.update(reopened);
      await this.statusEntry(session, conversation, 'resolved', 'queued', input.agentId, now);
      await session.outbox.add([{ type: 'conversation.queued', conversationId, queueId: queue.id }]);
      return reopened;
    });
  }

  /** Rescinds pending offers, ends the assignment and re-queues in the target queue, or offers to the target agent. */
  async transfer(conversationId: string, target: { queueId: string } | { agentId: string }, actingAgentId?: string): Promise<Conversation> {
    return this.store.transaction(async (session) => {
      const conversation = await this.locked(session, conversationId);
      if (conversation.status === 'resolved' || conversation.status === 'closed') {
        throw conflict('CONVERSATION.NOT_OPEN', `a ${conversation.status} conversation cannot be transferred`);
      }
      const now = this.clock.now();
      const previous = await session.workItems.get(conversationId);
      const queueId = 'queueId' in target ? target.queueId : (conversation.queueId ?? previous?.queueId ?? null);
      const queue = queueId ? await session.queues.get(queueId) : null;
      if (!queue) throw notFound('QUEUE.NOT_FOUND', `queue ${queueId ?? '(none)'} does not exist`);
      const channel = conversation.lastInboundChannel ?? conversation.channels[0] ?? 'system';
      await this.release(session, conversationId, now, 'transferred');
      await session.workItems.delete(conversationId);
      const item = {
        conversationId, queueId: queue.id, priority: conversation.priority, channel, skills: queue.skills, cost: costFor(queue, channel),
        state: 'waiting' as const, enqueuedAt: now, excludedAgents: [], reasons: [], updatedAt: now,
      };
      const events: DomainEvent[] = [];
      let status: Conversation['status'] = 'queued';
      if ('agentId' in target) {
        await session.lock(lockKeys.agent(target.agentId));
        const agent = await this.agent(session, target.agentId);
        if (agent.presence !== 'available') throw conflict('TRANSFER.AGENT_UNAVAILABLE', `agent ${agent.name} is ${agent.presence}`);
        const load = (await session.assignments.loads([agent.id])).get(agent.id) ?? { units: 0, perChannel: {} };
        const { reasons } = eligibleFor({ ...item, skills: {} }, [{ agent, load }]);
        if (reasons.length > 0) throw conflict('TRANSFER.AGENT_UNAVAILABLE', `agent ${agent.name} cannot take it: ${reasons[0]?.detail ?? ''}`);
        const offerId = newId();
        const expiresAt = new Date(now.getTime() + queue.offerTimeoutSeconds * 1000);
        await session.workItems.insert({ ...item, state: 'offered' });
        await session.offers.insert({ id: offerId, conversationId, agentId: agent.id, queueId: queue.id, channel, cost: item.cost, status: 'pending', createdAt: now, expiresAt, answeredAt: null, reason: null });
        events.push({ type: 'offer.created', offerId, conversationId, agentId: agent.id, expiresAt: expiresAt.toISOString() });
        status = 'offered';
      } else {
        await session.workItems.insert(item);
        events.push({ type: 'conversation.queued', conversationId, queueId: queue.id });
      }
      const moved: Conversation = { ...conversation, status, queueId: queue.id, assignment: null, hops: conversation.hops + 1, updatedAt: now };
      await session.conversations.update(moved);
      await session.decisions.insert({
        id: newId(), conversationId, queueId: queue.id, at: now, outcome: 'transferred', agentId: 'agentId' in target ? target.agentId : null,
        detail: 'agentId' in target ? `transferred to agent ${target.agentId}` : `transferred to queue ${queue.name}`,
      });
      await appendEntry(session, conversation, { channel: 'system', direction: 'internal', type: 'assignment', text: 'transferred', agentId: actingAgentId ?? null, data: { target } }, now);
      await session.outbox.add(events);
      return moved;
    });
  }

  private async locked(session: StoreSession, conversationId: string): Promise<Conversation> {
    await session.lock(lockKeys.conversation(conversationId));
    const conversation = await session.conversations.get(conversationId);
    if (!conversation) throw notFound('CONVERSATION.NOT_FOUND', `conversation ${conversationId} does not exist`);
    return conversation;
  }

  private async agent(session: StoreSession, agentId: string): Promise<Agent> {
    const agent = await session.agents.get(agentId);
    if (!agent) throw invalid('AGENT.NOT_FOUND', `agent ${agentId} does not exist`, 'agentId');
    return agent;
  }

  /** Ends the active assignment and rescinds pending offers, freeing the agents' capacity. */
  private async release(session: StoreSession, conversationId: string, now: Date, why: 'resolved' | 'transferred'): Promise<void> {
    const active = await session.assignments.activeByConversation(conversationId);
    if (active) await session.assignments.update({ ...active, endedAt: now });
    for (const offer of await session.offers.listPendingByConversation(conversationId)) {
      await session.offers.update({ ...offer, status: 'rescinded', answeredAt: now, reason: why });
      await session.decisions.insert({ id: newId(), conversationId, queueId: offer.queueId, at: now, outcome: 'rescinded', agentId: offer.agentId, detail: `offer rescinded: conversation ${why}` });
    }
    if (why === 'resolved') await session.workItems.delete(conversationId);
  }

  private async statusEntry(session: StoreSession, conversation: Conversation, from: string, to: string, agentId: string | undefined, now: Date) {
    await appendEntry(session, conversation, { channel: 'system', direction: 'internal', type: 'status', text: `status ${from} → ${to}`, agentId: agentId ?? null, data: { from, to } }, now);
  }
}
