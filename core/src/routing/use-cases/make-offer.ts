import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { newId } from '../../shared/ids.js';
import type { DomainEvent } from '../../shared/events.js';
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

type OfferSession = Pick<RoutingSession, 'offers' | 'workItems' | 'agents' | 'decisions'> & Pick<LedgerSession, 'conversations'> & OutboxSession;

/**
 * Reserves a work item for one agent — by the router or by a transfer to an agent. The caller
 * holds the conversation's and the agent's locks and has checked that the agent can take it.
 */
export const makeOffer = async (session: OfferSession, input: OfferInput): Promise<{ offer: Offer; agent: Agent; conversation: Conversation }> => {
  const [made] = await makeOffers(session, [input]);
  return made!;
};

/**
 * `makeOffer` for many items at once (a routing pass): the same rows, written in a few statements
 * (one per table). An agent given several offers is written once,
 * as of its last; each offer's `agent` is the agent as of that offer.
 */
export const makeOffers = async (
  session: OfferSession,
  inputs: readonly OfferInput[],
  /** Events that come before the offers' own in the same outbox write (a presence change's). */
  leading: readonly DomainEvent[] = [],
): Promise<Array<{ offer: Offer; agent: Agent; conversation: Conversation }>> => {
  const made = inputs.map((input) => {
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
    return { input, offer, offered, agent: updatedAgent, conversation: next };
  });
  if (made.length === 0) return [];
  await session.offers.insertMany(made.map((m) => m.offer));
  const fresh = made.filter((m) => !m.input.existing).map((m) => m.offered);
  if (fresh.length > 0) await session.workItems.insertMany(fresh);
  await session.workItems.updateMany(made.filter((m) => m.input.existing).map((m) => m.offered));
  await session.conversations.updateMany(made.map((m) => m.conversation));
  // Several offers to one agent: the agent as of the last one.
  await session.agents.updateMany([...new Map(made.map((m) => [m.agent.id, m.agent])).values()]);
  await session.decisions.insertMany(
    made.map(({ input, offer }) => ({
      id: newId(), conversationId: offer.conversationId, queueId: offer.queueId, at: input.now, outcome: 'offered' as const, agentId: offer.agentId,
      detail: input.detail, rule: input.rule ?? null, candidates: input.candidates ?? null,
    })),
  );
  await session.outbox.add([...leading, ...made.map(({ offer }) => ({ type: 'offer.created' as const, offerId: offer.id, conversationId: offer.conversationId, agentId: offer.agentId, expiresAt: offer.expiresAt.toISOString() }))]);
  return made.map(({ offer, agent, conversation }) => ({ offer, agent, conversation }));
};
