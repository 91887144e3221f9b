import type { Clock } from '../../shared/ports/clock.port.js';
import type { DomainEvent } from '../../shared/events.js';
import type { RoutingUnit } from '../ports/routing-transactions.js';
import { BusinessClock } from '../business-hours.js';
import { eligibleFor, hasSkills, type Candidate } from '../eligibility.js';
import { emptyLoad, type Agent } from '../agent.entity.js';
import type { Queue } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import { describeRanking } from '../strategies.js';
import { relaxedNeeds } from '../relaxation.js';
import type { RoutingSettings } from '../routing-settings.js';
import { makeOffers } from './make-offer.js';
import { ROUTING_PAGE } from './route-queue.use-case.js';

/** How far down its queues an agent looks: past the items a routing pass may hold locked right now. */
const DEPTH = ROUTING_PAGE + 56;
/**
 * An item younger than this that no pass has left waiting yet is the pass's to place: its routing
 * job is on its way, and other agents may have room for it and rank before this one.
 */
const FRESH_MS = 2_000;
/** Items tried under their lock before leaving the agent to the next pass (one not eligible, say). */
const ATTEMPTS = 3;

/**
 * An agent who has just become available is offered, in that instant, the best settled item it can
 * take: across the open queues whose skills it has, by priority and then age, as a pass would
 * order them. It runs in the presence change's transaction, so the agent is available and holds
 * its offer from one commit. It skips items a routing pass holds at that moment (their lock is
 * tried, never waited for), so an agent coming online during a long pass is not made to wait for it.
 *
 * Settled items only: those a pass has left waiting with a reason (it found nobody with room), or
 * older than `FRESH_MS`. A fresh item is its pass's to place, by the queue's strategy, among all
 * the agents with room; taking it here would hand it to whoever came online last.
 *
 * One item only. What else the agent has room for is left to the queues' passes, which the
 * presence change plans, and they share it out by each queue's strategy: when many agents come
 * online together, each of them gets work at once and none takes the backlog.
 *
 * The caller holds the agent's lock and has just set it available (`agent`, as stored). The
 * conversations' locks come after it, against the house order, and so are only ever tried: a
 * try never waits, so it cannot close a cycle with a router waiting for this agent.
 *
 * `leading`: the presence change's events, written with the offer's. Answers the agent as written
 * with the offer (null: no offer was made, and nothing was written).
 */
export const offerOnAvailable = async (
  session: RoutingUnit,
  clock: Clock,
  settings: Pick<RoutingSettings, 'declineCooldownSeconds'>,
  agent: Agent,
  leading: readonly DomainEvent[] = [],
): Promise<Agent | null> => {
  if (agent.presence !== 'available') return null;
  const [queueIds, loads] = await Promise.all([session.workItems.queuesWithWaiting(), session.assignments.loads([agent.id])]);
  if (queueIds.length === 0) return null;
  const now = clock.now();
  const found = await Promise.all(queueIds.map((id) => session.queues.get(id)));
  const queues = new Map<string, Queue>();
  for (const queue of found) {
    if (queue && hasSkills(agent, queue.skills) && BusinessClock.of(queue.businessHours).isOpen(now)) queues.set(queue.id, queue);
  }
  if (queues.size === 0) return null;
  const settled = [...queues.values()].map((queue) => ({ id: queue.id, aging: queue.aging }));
  const candidate: Candidate = { agent, load: loads.get(agent.id) ?? emptyLoad() };
  const settledBefore = new Date(now.getTime() - FRESH_MS);
  const tried: string[] = [];
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    // Items a pass holds are skipped: they are its to decide. Each try looks afresh, so an item
    // another agent took a moment ago is not tried again.
    const conversationId = await session.workItems.lockFirstSettled(settled, DEPTH, { now, settledBefore, except: tried });
    if (conversationId === null) return null;
    tried.push(conversationId);
    // Under its lock, read what the offer relies on (one round trip).
    const [[item], [conversation]] = await Promise.all([session.workItems.getMany([conversationId]), session.conversations.getMany([conversationId])]);
    const offered = item && conversation ? await offerHeld(session, clock, settings, candidate, item, conversation, queues, leading) : null;
    if (offered) return offered;
  }
  return null;
};

/** Offers the item, whose conversation's lock is held, to the candidate if it still waits and the candidate is eligible. */
const offerHeld = async (
  session: RoutingUnit,
  clock: Clock,
  settings: Pick<RoutingSettings, 'declineCooldownSeconds'>,
  candidate: Candidate,
  item: WorkItem,
  conversation: Conversation,
  queues: ReadonlyMap<string, Queue>,
  leading: readonly DomainEvent[],
): Promise<Agent | null> => {
  if (item.state !== 'waiting') return null;
  const queue = queues.get(item.queueId);
  if (!queue) return null;
  const now = clock.now();
  const needs = relaxedNeeds(item, queue.relaxation, new Map(), now);
  const { eligible, redeclined } = eligibleFor({ ...item, skills: needs.skills, alternatives: needs.alternatives }, [candidate], {
    now,
    cooldownSeconds: settings.declineCooldownSeconds,
  });
  // An item this agent declined goes back to it only through a pass, once nobody else is eligible.
  if (eligible.length === 0 || redeclined) return null;
  const [made] = await makeOffers(session, [
    {
      conversation,
      item,
      existing: true,
      queue,
      agent: candidate.agent,
      detail: `offered to ${candidate.agent.name} as it became available: the first waiting item it can take in the queues it serves`,
      rule: 'on-available',
      candidates: describeRanking([candidate], needs.skills, 1),
      now,
    },
  ], leading);
  return made?.agent ?? null;
};
