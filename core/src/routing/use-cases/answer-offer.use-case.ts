import { conversationLifecycle } from '../../ledger/conversation.entity.js';
import { appendEntry } from '../../ledger/ledger-writer.js';
import { ledgerErrors } from '../../ledger/ledger.errors.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { RoutingSettings } from '../routing-settings.js';
import type { Offer } from '../offer.entity.js';
import type { RoutingStore, RoutingUnit } from '../ports/routing-transactions.js';
import { routingErrors } from '../routing.errors.js';

/** Accept, decline and expiry of offers. */
export class AnswerOffer {
  constructor(
    private readonly store: RoutingStore,
    private readonly clock: Clock,
    private readonly settings: Pick<RoutingSettings, 'setAwayOnOfferExpiry'>,
  ) {}

  async accept(offerId: string, actingAgentId?: string): Promise<Offer> {
    const result = await this.store.transaction(async (session) => {
      const offer = await this.pendingOffer(session, offerId, actingAgentId);
      const now = this.clock.now();
      if (offer.expiresAt <= now) {
        await this.expireLocked(session, offer, now);
        return { expired: true as const };
      }
      const conversation = await session.conversations.get(offer.conversationId);
      if (!conversation) throw ledgerErrors.conversationNotFound(offer.conversationId);
      const accepted: Offer = { ...offer, status: 'accepted', answeredAt: now };
      await session.offers.update(accepted);
      await session.workItems.delete(offer.conversationId);
      await session.assignments.insert({
        id: newId(),
        conversationId: offer.conversationId,
        agentId: offer.agentId,
        queueId: offer.queueId,
        channel: offer.channel,
        cost: offer.cost,
        startedAt: now,
        endedAt: null,
      });
      await session.conversations.update(conversationLifecycle.assigned(conversation, offer.agentId, now));
      await appendEntry(
        session,
        conversation,
        { channel: 'system', direction: 'internal', type: 'assignment', text: `assigned to agent ${offer.agentId}`, agentId: offer.agentId, data: { offerId, queueId: offer.queueId } },
        now,
      );
      await session.decisions.insert({ id: newId(), conversationId: offer.conversationId, queueId: offer.queueId, at: now, outcome: 'accepted', agentId: offer.agentId, detail: 'offer accepted' });
      await session.outbox.add([{ type: 'offer.answered', offerId, conversationId: offer.conversationId, agentId: offer.agentId, status: 'accepted' }]);
      return { expired: false as const, offer: accepted };
    });
    if (result.expired) throw routingErrors.offerExpired(offerId);
    return result.offer;
  }

  async decline(offerId: string, reason: string | undefined, actingAgentId?: string): Promise<Offer> {
    return this.store.transaction(async (session) => {
      const offer = await this.pendingOffer(session, offerId, actingAgentId);
      const now = this.clock.now();
      const declined: Offer = { ...offer, status: 'declined', answeredAt: now, reason: reason ?? null };
      await session.offers.update(declined);
      await this.requeue(session, offer, now, 'declined', reason ? `declined: ${reason}` : 'declined');
      return declined;
    });
  }

  /** Expires an offer if it is still pending and due; a no-op otherwise (jobs may run twice). */
  async expire(offerId: string): Promise<boolean> {
    return this.store.transaction(async (session) => {
      const peek = await session.offers.get(offerId);
      if (!peek) return false;
      await session.lock(lockKeys.conversation(peek.conversationId));
      const offer = await session.offers.get(offerId);
      const now = this.clock.now();
      if (!offer || offer.status !== 'pending' || offer.expiresAt > now) return false;
      await this.expireLocked(session, offer, now);
      return true;
    });
  }

  private async pendingOffer(session: RoutingUnit, offerId: string, actingAgentId: string | undefined): Promise<Offer> {
    const peek = await session.offers.get(offerId);
    if (!peek) throw routingErrors.offerNotFound(offerId);
    await session.lock(lockKeys.conversation(peek.conversationId));
    const offer = await session.offers.get(offerId);
    if (!offer) throw routingErrors.offerNotFound(offerId);
    if (actingAgentId !== undefined && offer.agentId !== actingAgentId) {
      throw routingErrors.offerNotYours(offerId);
    }
    if (offer.status !== 'pending') throw routingErrors.offerAnswered(offerId, offer.status);
    return offer;
  }

  private async expireLocked(session: RoutingUnit, offer: Offer, now: Date): Promise<void> {
    await session.offers.update({ ...offer, status: 'expired', answeredAt: now, reason: 'timed out' });
    await this.requeue(session, offer, now, 'expired', 'offer timed out');
    if (this.settings.setAwayOnOfferExpiry) {
      await session.lock(lockKeys.agent(offer.agentId));
      const agent = await session.agents.get(offer.agentId);
      if (agent && agent.presence === 'available') {
        await session.agents.update({ ...agent, presence: 'away', presenceSince: now, updatedAt: now });
        // Its other pending offers are rescinded by the job this event starts (their locks come before the agent's).
        await session.outbox.add([{ type: 'agent.presence', agentId: agent.id, presence: 'away' }]);
      }
    }
  }

  /** Puts the item back in its queue, not to be offered to this agent again while others are eligible. */
  private async requeue(session: RoutingUnit, offer: Offer, now: Date, outcome: 'declined' | 'expired', detail: string): Promise<void> {
    const item = await session.workItems.get(offer.conversationId);
    if (item) {
      // Oldest refusal first: after the cool-down, the agent who declined longest ago is asked again.
      const excluded = [...item.excludedAgents.filter((id) => id !== offer.agentId), offer.agentId];
      await session.workItems.update({ ...item, state: 'waiting', excludedAgents: excluded, declinedAt: now, updatedAt: now });
    }
    const conversation = await session.conversations.get(offer.conversationId);
    if (conversation?.status === 'offered') await session.conversations.update(conversationLifecycle.offerWithdrawn(conversation, now));
    await session.decisions.insert({ id: newId(), conversationId: offer.conversationId, queueId: offer.queueId, at: now, outcome, agentId: offer.agentId, detail });
    const events: DomainEvent[] = [
      { type: 'offer.answered', offerId: offer.id, conversationId: offer.conversationId, agentId: offer.agentId, status: outcome, queueId: offer.queueId },
      { type: 'agent.freed', agentId: offer.agentId },
    ];
    if (item) events.push({ type: 'conversation.queued', conversationId: offer.conversationId, queueId: item.queueId });
    await session.outbox.add(events);
  }
}
