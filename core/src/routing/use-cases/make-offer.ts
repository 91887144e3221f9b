import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { newId } from '../../shared/ids.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { Agent } from '../agent.entity.js';
import type { Offer, RankedCandidate } from '../offer.entity.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import type { Queue } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import type { LedgerSession } from '../../ledger/ports/ledger-store.port.js';

export interface OfferInput {
  conversation: Conversation;
  /** The work item as it stands; `existing: false` when it is not stored yet (a transfer to an agent). */
  item: WorkItem;
  existing: boolean;
  queue: Queue;
  agent: Agent;
  /** Why this agent: recorded as the routing decision. */
  detail: string;
  rule?: string | undefined;
  candidates?: RankedCandidate[] | undefined;
  now: Date;
}

/**
 * Reserves a work item for one agent — by the router or by a transfer to an agent. The caller
 * holds the conversation's and the agent's locks and has checked that the agent can take it.
 */
export const makeOffer = async (
  session: Pick<RoutingSession, 'offers' | 'workItems' | 'agents' | 'decisions'> & Pick<LedgerSession, 'conversations'> & OutboxSession,
  input: OfferInput,
): Promise<{ offer: Offer; agent: Agent; conversation: Conversation }> => {
  const { conversation, item, queue, agent, now } = input;
  const offer: Offer = {
    id: newId(),
    conversationId: conversation.id,
    agentId: agent.id,
    queueId: queue.id,
    channel: item.channel,
    cost: item.cost,
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + queue.offerTimeoutSeconds * 1000),
    answeredAt: null,
    reason: null,
  };
  const offered: WorkItem = { ...item, state: 'offered', reasons: [], updatedAt: now };
  const next = conversationLifecycle.offered(conversation, queue.id, now);
  const updatedAgent: Agent = { ...agent, lastOfferAt: now, updatedAt: now };
  await session.offers.insert(offer);
  await (input.existing ? session.workItems.update(offered) : session.workItems.insert(offered));
  await session.conversations.update(next);
  await session.agents.update(updatedAgent);
  await session.decisions.insert({ id: newId(), conversationId: conversation.id, queueId: queue.id, at: now, outcome: 'offered', agentId: agent.id, detail: input.detail, rule: input.rule ?? null, candidates: input.candidates ?? null });
  await session.outbox.add([{ type: 'offer.created', offerId: offer.id, conversationId: conversation.id, agentId: agent.id, expiresAt: offer.expiresAt.toISOString() }]);
  return { offer, agent: updatedAgent, conversation: next };
};
