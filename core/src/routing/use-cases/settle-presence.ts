import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { appendEntry } from '../../ledger/ledger-writer.js';
import type { DomainEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import { lockKeys } from '../../shared/lock-keys.js';
import type { Agent, Presence } from '../agent.entity.js';
import type { RoutingUnit } from '../ports/routing-transactions.js';
import type { RoutingSettings } from '../routing-settings.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import { enqueueConversation } from './enqueue-conversation.js';

// An agent's work is bounded by its capacity, far below these pages.
const PAGE = 500;

export interface Settled {
  agent: Agent;
  rescinded: number;
  requeued: number;
  /** Offers made to the agent after its work was read (a race with a router): settle again. */
  missed: number;
  /** Whether the presence was changed (false: it was already `next`, or `next` was null). */
  changed: boolean;
}

/**
 * Called, with the agent's lock held, when an agent has just been set available (`agent`, not yet
 * written, and the events to commit with it): it may offer the agent work, writing the agent and
 * the events along with the offer, and then answers the agent as written; null: nothing was
 * written, and the presence change writes them itself.
 */
export type OnAvailable = (agent: Agent, events: readonly DomainEvent[]) => Promise<Agent | null>;

/**
 * Sets an agent's presence (or, with `next` null, re-applies the one it has) and what follows from
 * it: an agent who is not `available` keeps no pending offer (each is rescinded and its item waits
 * again, the agent not held against it), and one who goes `offline` hands back its assigned
 * conversations when `requeueOnOffline` is set. Locks follow the house order — the conversations
 * first, then the agent — so that it never waits in a cycle with a router or an answer.
 */
export const settlePresence = async (
  session: RoutingUnit,
  agentId: string,
  next: Presence | null,
  clock: Clock,
  settings: Pick<RoutingSettings, 'requeueOnOffline'>,
  onAvailable?: OnAvailable,
): Promise<Settled | null> => {
  // Going available touches no conversation: the agent's lock comes first, and one read of it.
  const before = next === 'available' ? null : await session.agents.get(agentId);
  if (next !== 'available' && !before) return null;
  const target = next ?? before?.presence ?? 'available';
  const leaving = target !== 'available';
  const requeue = target === 'offline' && settings.requeueOnOffline;

  const pending = leaving ? (await session.offers.listByAgent(agentId, 'pending', { limit: PAGE })).items : [];
  const assigned = requeue ? (await session.conversations.list({ assignedTo: agentId }, { limit: PAGE })).items : [];
  const locked = new Set([...pending.map((o) => o.conversationId), ...assigned.map((c) => c.id)]);
  for (const conversationId of [...locked].sort()) await session.lock(lockKeys.conversation(conversationId));

  await session.lock(lockKeys.agent(agentId));
  // Stamped once the locks are held: a rescinded offer is never answered before it was made.
  const now = clock.now();
  let agent = await session.agents.get(agentId);
  if (!agent) return null;
  const events: DomainEvent[] = [];
  const changed = next !== null && agent.presence !== next;
  if (changed) {
    agent = { ...agent, presence: next, presenceSince: now, updatedAt: now };
    events.push({ type: 'agent.presence', agentId, presence: next });
    // An offer made now writes the agent and these events with its own (one statement each).
    const offered = next === 'available' && onAvailable ? await onAvailable(agent, events) : null;
    if (offered) return { agent: offered, rescinded: 0, requeued: 0, missed: 0, changed };
    await session.agents.update(agent);
  }
  let rescinded = 0;
  let requeued = 0;
  let missed = 0;
  if (agent.presence !== 'available') {
    for (const offer of (await session.offers.listByAgent(agentId, 'pending', { limit: PAGE })).items) {
      if (!locked.has(offer.conversationId)) {
        missed += 1;
        continue;
      }
      await session.offers.update({ ...offer, status: 'rescinded', answeredAt: now, reason: `agent ${agent.presence}` });
      const item = await session.workItems.get(offer.conversationId);
      if (item) await session.workItems.update({ ...item, state: 'waiting', updatedAt: now });
      const conversation = await session.conversations.get(offer.conversationId);
      if (conversation) await session.conversations.update(conversationLifecycle.offerWithdrawn(conversation, now));
      await session.decisions.insert({
        id: newId(), conversationId: offer.conversationId, queueId: offer.queueId, at: now, outcome: 'rescinded', agentId,
        detail: `offer rescinded: ${agent.name} went ${agent.presence}`,
      });
      events.push({ type: 'offer.answered', offerId: offer.id, conversationId: offer.conversationId, agentId, status: 'rescinded', queueId: offer.queueId });
      if (item) events.push({ type: 'conversation.queued', conversationId: offer.conversationId, queueId: item.queueId });
      rescinded += 1;
    }
  }
  if (agent.presence === 'offline' && settings.requeueOnOffline) {
    for (const seen of assigned) {
      const conversation = await session.conversations.get(seen.id);
      if (!conversation || conversation.assignment?.agentId !== agentId || !conversation.queueId) continue;
      const queue = await session.queues.get(conversation.queueId);
      if (!queue) continue;
      await handBack(session, conversation, agent, queue.id, now);
      await session.conversations.update(await enqueueConversation(session, conversation, { queue, now }));
      requeued += 1;
    }
  }
  if (events.length > 0) await session.outbox.add(events);
  return { agent, rescinded, requeued, missed, changed };
};

/** Ends the agent's assignment of a conversation and records why. */
const handBack = async (session: RoutingUnit, conversation: Conversation, agent: Agent, queueId: string, now: Date): Promise<void> => {
  const active = await session.assignments.activeByConversation(conversation.id);
  if (active) await session.assignments.update({ ...active, endedAt: now });
  await session.decisions.insert({
    id: newId(), conversationId: conversation.id, queueId, at: now, outcome: 'transferred', agentId: agent.id,
    detail: `${agent.name} went offline: queued again`,
  });
  await appendEntry(
    session,
    conversation,
    { channel: 'system', direction: 'internal', type: 'assignment', text: `agent ${agent.name} went offline: queued again`, agentId: agent.id, data: { queueId } },
    now,
  );
};
