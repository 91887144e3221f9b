import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { RoutingStore, RoutingUnit } from '../ports/routing-transactions.js';
import { BusinessClock } from '../business-hours.js';
import { eligibleFor, type Candidate } from '../eligibility.js';
import type { Offer } from '../offer.entity.js';
import { costFor, DEFAULT_ITEM_COST, type Queue } from '../queue.entity.js';
import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { newId } from '../../shared/ids.js';
import { describeRanking, rankAgents } from '../strategies.js';
import type { WaitReason, WorkItem } from '../work-item.entity.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing-settings.js';
import { makeOffer } from './make-offer.js';
import { relaxationReason, relaxedNeeds, type RelaxedNeeds } from '../relaxation.js';

const BATCH = 50;
const STICKY_LOOKBACK = 5;
// How deep one pass looks past a head of items nobody can take (BATCH items a page).
const MAX_PAGES = 20;

/** A waiting item's rows as read under its conversation's lock. */
interface Held {
  current: WorkItem | null;
  conversation: Conversation | null;
}

/** The least an item of the queue can cost (channels it does not name cost its default). */
const cheapestCost = (queue: Pick<Queue, 'cost'>): number =>
  typeof queue.cost === 'number' ? queue.cost : Math.min(...Object.values(queue.cost), queue.cost['default'] ?? DEFAULT_ITEM_COST);

/**
 * One routing pass over a queue: offers waiting items, by priority then age, to eligible agents.
 * Safe with many workers: the queue lock makes one router per queue at a time, and each agent is
 * locked and its load re-read before an offer, so capacity holds across queues.
 */
export class RouteQueue {
  constructor(
    private readonly store: RoutingStore,
    private readonly clock: Clock,
    private readonly settings: Pick<RoutingSettings, 'declineCooldownSeconds'> = DEFAULT_ROUTING_SETTINGS,
  ) {}

  /**
   * Returns how many offers were made; `more` when the batch was full and another pass is due;
   * `nextRelaxationAt` when an item left waiting reaches its next relaxation step then.
   */
  async run(queueId: string): Promise<{ offers: number; more: boolean; nextRelaxationAt?: Date }> {
    return this.store.transaction(async (session) => {
      await session.lock(lockKeys.queue(queueId));
      const queue = await session.queues.get(queueId);
      if (!queue) return { offers: 0, more: false };
      // Closed: items wait (the explainer says `outside_hours`); the sweeper routes again once open.
      if (!BusinessClock.of(queue.businessHours).isOpen(this.clock.now())) return { offers: 0, more: false };
      // With nobody available there is nothing to decide: skip reading the backlog.
      const agents = await session.agents.listByPresence('available');
      // Overflow moves items whoever is available.
      if (agents.length === 0 && !queue.overflow) return { offers: 0, more: false };
      const items = await session.workItems.listWaiting(queueId, BATCH, { now: this.clock.now(), aging: queue.aging });
      if (items.length === 0) return { offers: 0, more: false };

      const staying = queue.overflow ? await this.overflow(session, queue, items) : items;
      if (agents.length === 0) return { offers: 0, more: false };

      const loads = await session.assignments.loads(agents.map((a) => a.id));
      const candidates: Candidate[] = agents.map((agent) => ({ agent, load: loads.get(agent.id) ?? { units: 0, perChannel: {} } }));
      const others = await this.widenedTo(session, queue);
      const next = { at: Number.POSITIVE_INFINITY };
      let offers = 0;
      const done = (more: boolean) => (Number.isFinite(next.at) ? { offers, more, nextRelaxationAt: new Date(next.at) } : { offers, more });
      let batch = staying;
      const cheapest = cheapestCost(queue);
      for (let page = 1; ; page++) {
        // Deeper pages lock only the items someone can take: a pass must not hold a thousand locks.
        const held = page === 1 ? await this.holdItems(session, batch) : new Map<string, Held>();
        for (const item of batch) {
          const offer = await this.routeItem(session, queue, item, candidates, others, next, held.get(item.conversationId));
          if (offer) offers += 1;
        }
        // Offers made: another pass starts again from the head (keeps each pass's transaction short).
        if (offers > 0) return done(batch.length === BATCH);
        if (batch.length < BATCH) return done(false);
        // Nobody could take the head of the queue, but an agent has room for a cheaper item (another
        // channel): look further back rather than leave those waiting behind it despite spare capacity.
        if (page >= MAX_PAGES || !candidates.some((c) => c.agent.capacity.units - c.load.units >= cheapest)) return done(false);
        const deeper = await session.workItems.listWaiting(queueId, BATCH * (page + 1), { now: this.clock.now(), aging: queue.aging });
        batch = deeper.slice(BATCH * page);
        if (batch.length === 0) return done(false);
      }
    });
  }

  /**
   * Locks a page's conversations (sorted, in one statement) and reads their items and conversations
   * in one round trip, rather than two round trips per item; held until the pass commits.
   */
  private async holdItems(session: RoutingUnit, batch: readonly WorkItem[]): Promise<Map<string, Held>> {
    await session.lockAll(batch.map((item) => lockKeys.conversation(item.conversationId)));
    const rows = await Promise.all(
      batch.map(async (item): Promise<[string, Held]> => {
        const [current, conversation] = await Promise.all([session.workItems.get(item.conversationId), session.conversations.get(item.conversationId)]);
        return [item.conversationId, { current, conversation }];
      }),
    );
    return new Map(rows);
  }

  private async routeItem(
    session: RoutingUnit,
    queue: Queue,
    item: WorkItem,
    candidates: Candidate[],
    others: Map<string, Queue>,
    next: { at: number },
    held: Held | undefined,
  ): Promise<Offer | null> {
    const now = this.clock.now();
    // Why an item waits is not stored: the routing explainer works it out from the agents as they are.
    const policy = { now, cooldownSeconds: this.settings.declineCooldownSeconds };
    // Relaxation widens what the item needs with its wait; its place (priority, enqueue time) stays.
    const needs = relaxedNeeds(item, queue.relaxation, others, now);
    if (needs.step > item.relaxationStep) {
      await this.recordRelaxation(session, queue, item, needs, now);
      // The page's rows were read before the step was written: the offer must not write it back.
      if (held?.current) held = { ...held, current: { ...held.current, relaxationStep: item.relaxationStep } };
    }
    const wanted = { ...item, skills: needs.skills, alternatives: needs.alternatives };
    const { eligible, reasons, redeclined } = eligibleFor(wanted, candidates, policy);
    if (eligible.length === 0) {
      if (needs.nextAt) next.at = Math.min(next.at, needs.nextAt.getTime());
      const relaxed = relaxationReason(needs, queue.relaxation);
      await this.recordWait(session, item, relaxed ? [...reasons, relaxed] : reasons, now);
      return null;
    }
    // Sticky: the customer's last agent, if eligible now and seen within the window; else the strategy.
    const sticky = queue.sticky ? await this.lastAgentOf(session, item.conversationId, new Date(now.getTime() - queue.sticky.windowSeconds * 1000)) : null;
    const ranked = rankAgents(queue.strategy, eligible, needs.skills);
    const stuckAt = sticky ? ranked.findIndex((c) => c.agent.id === sticky) : -1;
    if (stuckAt > 0) ranked.unshift(...ranked.splice(stuckAt, 1));
    const choice = ranked[0];
    if (!choice) return null;
    const rule = stuckAt >= 0 ? 'sticky' : redeclined ? 'after-decline-cooldown' : queue.strategy;
    const why =
      rule === 'sticky'
        ? `sticky (the customer's last agent within ${queue.sticky?.windowSeconds ?? 0} s)`
        : rule === 'after-decline-cooldown'
          ? 'the decline cool-down (every eligible agent had declined; the earliest decliner is asked again)'
          : queue.strategy;
    const ranking = describeRanking(ranked, needs.skills);
    const { current, conversation } = held ?? (await this.holdItems(session, [item])).get(item.conversationId) ?? { current: null, conversation: null };
    if (!current || current.state !== 'waiting' || !conversation) return null;

    // The lock and the reads it guards go out together (one round trip on PostgreSQL).
    await session.lock(lockKeys.agent(choice.agent.id));
    const [agent, loads] = await Promise.all([session.agents.get(choice.agent.id), session.assignments.loads([choice.agent.id])]);
    const load = loads.get(choice.agent.id);
    if (!agent || !load || agent.presence !== 'available') return null;
    choice.agent = agent;
    choice.load = load;
    // The load may have grown in another queue's router since the pass began.
    if (eligibleFor({ ...current, skills: needs.skills, alternatives: needs.alternatives }, [choice], policy).eligible.length === 0) return null;
    // Stamped once the locks are held and the load is read: the offer never predates the end of an
    // offer or assignment whose freed capacity it relies on (the history stays true to the order).
    const at = this.clock.now();

    const made = await makeOffer(session, {
      conversation,
      item: current,
      existing: true,
      queue,
      agent,
      detail: `offered to ${agent.name} by ${why} among ${eligible.length} eligible agent(s)`,
      rule,
      candidates: ranking,
      now: at,
    });
    choice.agent = made.agent;
    choice.load = {
      units: load.units + item.cost,
      perChannel: { ...load.perChannel, [item.channel]: (load.perChannel[item.channel] ?? 0) + 1 },
    };
    return made.offer;
  }

  /**
   * Moves items that waited past the queue's overflow threshold to the overflow queue, keeping their
   * place (enqueue time and priority) and taking that queue's skills and cost. Answers those that stay.
   */
  private async overflow(session: RoutingUnit, queue: Queue, items: WorkItem[]): Promise<WorkItem[]> {
    const rule = queue.overflow;
    const now = this.clock.now();
    if (!rule || rule.queueId === queue.id) return items;
    const due = items.filter((item) => now.getTime() - item.enqueuedAt.getTime() >= rule.afterSeconds * 1000);
    if (due.length === 0) return items;
    const target = await session.queues.get(rule.queueId);
    if (!target) return items;
    const moved = new Set<string>();
    for (const item of due) {
      await session.lock(lockKeys.conversation(item.conversationId));
      const current = await session.workItems.get(item.conversationId);
      const conversation = await session.conversations.get(item.conversationId);
      if (!current || current.state !== 'waiting' || current.queueId !== queue.id || !conversation) continue;
      await session.workItems.update({ ...current, queueId: target.id, skills: target.skills, optionalSkills: target.optionalSkills, relaxationStep: 0, cost: costFor(target, current.channel), reasons: [], updatedAt: now });
      await session.conversations.update(conversationLifecycle.queued(conversation, target.id, now));
      await session.decisions.insert({
        id: newId(), conversationId: item.conversationId, queueId: target.id, at: now, outcome: 'transferred', agentId: null,
        detail: `overflowed from ${queue.name} to ${target.name} after waiting ${rule.afterSeconds} s`,
      });
      await session.outbox.add([{ type: 'conversation.queued', conversationId: item.conversationId, queueId: target.id }]);
      moved.add(item.conversationId);
    }
    return items.filter((item) => !moved.has(item.conversationId));
  }

  /** The queues a relaxation step may open this queue's items to, by id (deleted ones left out). */
  private async widenedTo(session: RoutingUnit, queue: Queue): Promise<Map<string, Queue>> {
    const ids = [...new Set((queue.relaxation ?? []).flatMap((step) => step.alsoQueues ?? []))];
    const found = await Promise.all(ids.map((id) => session.queues.get(id)));
    return new Map(found.flatMap((q) => (q ? [[q.id, q] as const] : [])));
  }

  /** Records, once per step, that the item's wait reached a relaxation step and what it widened. */
  private async recordRelaxation(session: RoutingUnit, queue: Queue, item: WorkItem, needs: RelaxedNeeds, now: Date): Promise<void> {
    await session.lock(lockKeys.conversation(item.conversationId));
    const current = await session.workItems.get(item.conversationId);
    if (!current || current.state !== 'waiting' || current.relaxationStep >= needs.step) return;
    await session.workItems.update({ ...current, relaxationStep: needs.step, updatedAt: now });
    item.relaxationStep = needs.step;
    const reason = relaxationReason(needs, queue.relaxation);
    await session.decisions.insert({
      id: newId(), conversationId: item.conversationId, queueId: queue.id, at: now, outcome: 'relaxed', agentId: null,
      detail: reason?.detail ?? `relaxation step ${needs.step}`, rule: `relaxation_step:${needs.step}`, candidates: null,
    });
  }

  /** Keeps on the item why it waits, as of this pass (written only when the reason changed). */
  private async recordWait(session: RoutingUnit, item: WorkItem, reasons: WaitReason[], now: Date): Promise<void> {
    const same = item.reasons.length === reasons.length && item.reasons.every((r, i) => r.code === reasons[i]?.code && r.detail === reasons[i]?.detail);
    if (same) return;
    await session.lock(lockKeys.conversation(item.conversationId));
    const current = await session.workItems.get(item.conversationId);
    if (!current || current.state !== 'waiting') return;
    await session.workItems.update({ ...current, reasons, updatedAt: now });
    item.reasons = reasons;
  }

  /** The agent who last accepted one of the customer's conversations at or after `since`. */
  private async lastAgentOf(session: RoutingUnit, conversationId: string, since: Date): Promise<string | null> {
    const conversation = await session.conversations.get(conversationId);
    if (!conversation) return null;
    // The customer's few latest conversations are enough: older ones are outside any sensible window.
    const recent = await session.conversations.list({ customerId: conversation.customerId }, { limit: STICKY_LOOKBACK });
    let best: { agentId: string; at: number } | null = null;
    for (const c of recent.items) {
      for (const d of await session.decisions.listByConversation(c.id)) {
        if (d.outcome === 'accepted' && d.agentId && d.at >= since && (!best || d.at.getTime() > best.at)) best = { agentId: d.agentId, at: d.at.getTime() };
      }
    }
    return best?.agentId ?? null;
  }
}
