import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { RoutingSession } from '../ports/routing-store.port.js';

/**
 * Ends a conversation's active assignment and rescinds its pending offers, freeing the agents'
 * capacity at once. On `resolved` the work item goes too. The caller holds the conversation's lock.
 */
export const releaseConversation = async (
  session: Pick<RoutingSession, 'assignments' | 'offers' | 'decisions' | 'workItems'> & { outbox: Pick<OutboxSession['outbox'], 'add'> },
  conversationId: string,
  now: Date,
  why: 'resolved' | 'transferred',
): Promise<void> => {
  const [active, pending] = await Promise.all([session.assignments.activeByConversation(conversationId), session.offers.listPendingByConversation(conversationId)]);
  const freed = new Set<string>();
  if (active) {
    await session.assignments.update({ ...active, endedAt: now });
    freed.add(active.agentId);
  }
  for (const offer of pending) {
    freed.add(offer.agentId);
    await session.offers.update({ ...offer, status: 'rescinded', answeredAt: now, reason: why });
    await session.decisions.insert({ id: newId(), conversationId, queueId: offer.queueId, at: now, outcome: 'rescinded', agentId: offer.agentId, detail: `offer rescinded: conversation ${why}` });
  }
  // Desks update the offers they showed.
  if (pending.length > 0) {
    await session.outbox.add(pending.map((offer) => ({ type: 'offer.answered' as const, offerId: offer.id, conversationId, agentId: offer.agentId, status: 'rescinded' })));
  }
  await session.workItems.delete(conversationId);
  // The freed agents take the best waiting work at once, not at the next sweep.
  if (freed.size > 0) await session.outbox.add([...freed].map((agentId): DomainEvent => ({ type: 'agent.freed', agentId })));
};
