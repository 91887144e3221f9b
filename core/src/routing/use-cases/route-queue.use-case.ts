import { lockKeys } from '../../shared/lock-keys.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { RoutingStore, RoutingUnit } from '../ports/routing-transactions.js';
import { BusinessClock } from '../business-hours.js';
import { eligibleFor, hasSkills, skilledFor, type Candidate } from '../eligibility.js';
import type { RankedCandidate } from '../offer.entity.js';
import { emptyLoad, type AgentLoad } from '../agent.entity.js';
import { costFor, DEFAULT_ITEM_COST, type Queue } from '../queue.entity.js';
import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import { newId } from '../../shared/ids.js';
import { describeRanking, topAgents } from '../strategies.js';
import type { WaitReason, WorkItem } from '../work-item.entity.js';
import { DEFAULT_ROUTING_SETTINGS, type RoutingSettings } from '../routing-settings.js';
import { makeOffers } from './make-offer.js';
import { relaxationReason, relaxedNeeds, type RelaxedNeeds } from '../relaxation.js';

/**
 * Items a routing pass decides at once. A page costs a few round trips whatever its size, so a
 * larger one drains a backlog faster; it also holds that many conversation locks until it commits.
 */
export const ROUTING_PAGE = 200;
const BATCH = ROUTING_PAGE;
const STICKY_LOOKBACK = 5;
// How deep one pass looks past a head of items nobody can take (BATCH items a page): 1,000 items.
const MAX_PAGES = 5;
// How many of the ranked candidates a decision records (the explainer shows them).
const RANKING_KEPT = 10;

/** A waiting item's rows as read under its conversation's lock. */
interface Held {
  current: WorkItem | null;
  conversation: Conversation | null;
}

/** An offer a page's plan would make. */
interface Planned {
  item: WorkItem;
  agentId: string;
  rule: string;
  why: string;
  ranking: RankedCandidate[];
  eligible: number;
}

/** What a page's items get, decided in memory: offers, and why the others wait. */
interface PagePlan {
  offers: Planned[];
  waits: Array<{ item: WorkItem; reasons: WaitReason[] }>;
  nextAt: number;
}

/** The least an item of the queue can cost (channels it does not name cost its default). */
const cheapestCost = (queue: Pick<Queue, 'cost'>): number =>
  typeof queue.cost === 'number' ? queue.cost : Math.min(...Object.values(queue.cost), queue.cost['default'] ?? DEFAULT_ITEM_COST);

const waiting = (held: Held | undefined): held is { current: WorkItem; conversation: Conversation } =>
  held !== undefined && held.current !== null && held.current.state === 'waiting' && held.conversation !== null;

const sameLoad = (a: AgentLoad, b: AgentLoad): boolean => {
  if (a.units !== b.units) return false;
  const channels = new Set([...Object.keys(a.perChannel), ...Object.keys(b.perChannel)]);
  return [...channels].every((channel) => (a.perChannel[channel] ?? 0) === (b.perChannel[channel] ?? 0));
};

/** Whether an item read again is the one a plan was made on (every write of an item changes some field). */
const sameItem = (a: WorkItem, b: WorkItem): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Whether an agent re-read under its lock is what the plan assumed (agents are plain JSON-able rows). */
const sameCandidate = (a: Candidate | undefined, b: Candidate | null): boolean =>
  a !== undefined && b !== null && sameLoad(a.load, b.load) && JSON.stringify(a.agent) === JSON.stringify(b.agent);

/**
 * One routing pass over a queue: offers waiting items, by priority then age, to eligible agents.
 * Safe with many workers: the queue lock makes one router per queue at a time, and the agents a
 * page's offers go to are locked and re-read before the offers are written, so capacity holds
 * across queues. A page is decided in memory as one pass over its items, in order; when an agent
 * read under its lock is not what the plan assumed (another router gave it work meanwhile), the
 * page is decided again with the agent as it is, so its items go to the next candidate instead.
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
      // Read together (one round trip): the queue, and whether anybody is available at all.
      const [queue, someone] = await Promise.all([session.queues.get(queueId), session.agents.listByPresence('available', { limit: 1 })]);
      if (!queue) return { offers: 0, more: false };
      // Closed: items wait (the explainer says `outside_hours`); the sweeper routes again once open.
      if (!BusinessClock.of(queue.businessHours).isOpen(this.clock.now())) return { offers: 0, more: false };
      // With nobody available there is nothing to decide: skip reading the backlog.
      // Overflow moves items whoever is available.
      if (someone.length === 0 && !queue.overflow) return { offers: 0, more: false };
      const [items, others] = await Promise.all([
        session.workItems.listWaiting(queueId, BATCH, { now: this.clock.now(), aging: queue.aging }),
        this.widenedTo(session, queue),
      ]);
      if (items.length === 0) return { offers: 0, more: false };

      const staying = queue.overflow ? await this.overflow(session, queue, items) : items;
      if (someone.length === 0) return { offers: 0, more: false };

      // The agents as this pass knows them, by id (in listing order); replaced once read under their lock.
      // Only agents skilled for some item of a page are read, with their loads (`readSkilled`): the
      // others cannot be eligible, and a queue served by 20 of 1,000 available agents reads 20. An
      // agent whose row or load turns out other than read under its lock makes the page be decided
      // again, as before.
      const base = new Map<string, Candidate>();
      const loaded = new Set<string>();
      const asked = new Set<string>();
      let everyone = false;
      const loadAgents = async (ids: readonly string[]) => {
        if (ids.length === 0) return;
        const loads = await session.assignments.loads(ids);
        for (const id of ids) {
          const candidate = base.get(id);
          if (candidate) base.set(id, { agent: candidate.agent, load: loads.get(id) ?? emptyLoad() });
          loaded.add(id);
        }
      };
      const readSkilled = async (batch: readonly WorkItem[]) => {
        const now = this.clock.now();
        const wanted = new Map<string, Record<string, number>>();
        for (const item of batch) {
          const needs = relaxedNeeds(item, queue.relaxation, others, now);
          for (const skills of [needs.skills, ...needs.alternatives]) wanted.set(JSON.stringify(skills), skills);
        }
        const unasked = [...wanted].filter(([key]) => !asked.has(key));
        if (!everyone && unasked.length > 0) {
          const found = await session.agents.listByPresence('available', { skilledFor: unasked.map(([, skills]) => skills) });
          for (const agent of found) if (!base.has(agent.id)) base.set(agent.id, { agent, load: emptyLoad() });
          for (const [key] of unasked) asked.add(key);
        }
        const sets = [...wanted.values()];
        return loadAgents([...base.values()].filter((c) => !loaded.has(c.agent.id) && sets.some((skills) => hasSkills(c.agent, skills))).map((c) => c.agent.id));
      };
      const next = { at: Number.POSITIVE_INFINITY };
      const done = (offers: number, more: boolean) => (Number.isFinite(next.at) ? { offers, more, nextRelaxationAt: new Date(next.at) } : { offers, more });
      let batch = staying;
      const cheapest = cheapestCost(queue);
      for (let page = 1; ; page++) {
        // A page locks only the items the plan gives to someone (and those whose reason it rewrites),
        // not the whole page: the rest stay free for an agent coming online meanwhile to take.
        const held = new Map<string, Held>();
        await readSkilled(batch);
        const offers = await this.routePage(session, queue, batch, base, others, next, held);
        // Offers made: another pass starts again from the head (keeps each pass's transaction short).
        if (offers > 0) return done(offers, batch.length === BATCH);
        if (batch.length < BATCH) return done(0, false);
        // Nobody could take the head of the queue, but an agent has room for a cheaper item (another
        // channel): look further back rather than leave those waiting behind it despite spare capacity.
        if (page >= MAX_PAGES) return done(0, false);
        if (!everyone) {
          // Anyone's room counts here: read every available agent, in listing order, keeping those known.
          const all = await session.agents.listByPresence('available');
          const known = new Map(base);
          base.clear();
          for (const agent of all) base.set(agent.id, known.get(agent.id) ?? { agent, load: emptyLoad() });
          everyone = true;
        }
        await loadAgents([...base.keys()].filter((id) => !loaded.has(id)));
        if (![...base.values()].some((c) => c.agent.capacity.units - c.load.units >= cheapest)) return done(0, false);
        const deeper = await session.workItems.listWaiting(queueId, BATCH * (page + 1), { now: this.clock.now(), aging: queue.aging });
        batch = deeper.slice(BATCH * page);
        if (batch.length === 0) return done(0, false);
      }
    });
  }

  private async readHeld(session: RoutingUnit, batch: readonly WorkItem[]): Promise<Map<string, Held>> {
    const ids = batch.map((item) => item.conversationId);
    const [items, conversations] = await Promise.all([session.workItems.getMany(ids), session.conversations.getMany(ids)]);
    const itemOf = new Map(items.map((w) => [w.conversationId, w]));
    const conversationOf = new Map(conversations.map((c) => [c.id, c]));
    return new Map(ids.map((id) => [id, { current: itemOf.get(id) ?? null, conversation: conversationOf.get(id) ?? null }]));
  }

  /**
   * Routes one page: records relaxation steps reached, decides the page in memory, locks and
   * re-reads what the decision relies on (until what is read is what was assumed), then writes
   * the offers and the reasons of the items left waiting together. Answers the offers made.
   */
  private async routePage(
    session: RoutingUnit,
    queue: Queue,
    batch: readonly WorkItem[],
    base: Map<string, Candidate>,
    others: Map<string, Queue>,
    next: { at: number },
    held: Map<string, Held>,
  ): Promise<number> {
    const now = this.clock.now();
    // Why an item waits is not stored: the routing explainer works it out from the agents as they are.
    // Only skilled agents are in `base`, and someone was available when the pass began.
    const policy = { now, cooldownSeconds: this.settings.declineCooldownSeconds, othersAvailable: true };
    // Items read under their lock that no longer wait (answered, moved) are left out.
    const live = batch.filter((item) => !held.has(item.conversationId) || waiting(held.get(item.conversationId)));
    // Relaxation widens what the item needs with its wait; its place (priority, enqueue time) stays.
    const needsOf = new Map<string, RelaxedNeeds>();
    for (const item of live) {
      const needs = relaxedNeeds(item, queue.relaxation, others, now);
      needsOf.set(item.conversationId, needs);
      if (needs.step > item.relaxationStep) await this.recordRelaxation(session, queue, item, needs, now, held);
    }
    // Sticky: the customer's last agent within the window (read for the page at once).
    const stickyOf = new Map<string, string | null>();
    if (queue.sticky) {
      const since = new Date(now.getTime() - queue.sticky.windowSeconds * 1000);
      const found = await Promise.all(live.map((item) => this.lastAgentOf(session, item.conversationId, since)));
      live.forEach((item, i) => stickyOf.set(item.conversationId, found[i] ?? null));
    }

    const locked = new Map<string, Candidate | null>();
    let plan: PagePlan;
    for (;;) {
      const items = live.flatMap((item) => {
        const h = held.get(item.conversationId);
        if (h === undefined) return [item];
        return waiting(h) ? [h.current] : [];
      });
      plan = this.plan(queue, items, base, needsOf, stickyOf, policy);
      // Lock what the plan relies on and is not locked yet: its items (deeper pages) and its agents.
      const newItems = plan.offers.filter((p) => !held.has(p.item.conversationId)).map((p) => p.item);
      const newAgents = [...new Set(plan.offers.map((p) => p.agentId))].filter((id) => !locked.has(id));
      if (newItems.length === 0 && newAgents.length === 0) break;
      // Conversations before agents, each set sorted: the order every other writer takes them in.
      if (newItems.length > 0) await session.lockAll(newItems.map((item) => lockKeys.conversation(item.conversationId)));
      if (newAgents.length > 0) await session.lockAll(newAgents.map((id) => lockKeys.agent(id)));
      // The reads go out together, after the locks (one round trip on PostgreSQL).
      const [rows, agents, loads] = await Promise.all([
        newItems.length > 0 ? this.readHeld(session, newItems) : new Map<string, Held>(),
        newAgents.length > 0 ? session.agents.getMany(newAgents) : [],
        newAgents.length > 0 ? session.assignments.loads(newAgents) : new Map<string, AgentLoad>(),
      ]);
      // Planned on items as listed: decide again only if one is not, under its lock, what was listed.
      let changed = newItems.some((item) => {
        const h = rows.get(item.conversationId);
        return !waiting(h) || !sameItem(item, h.current);
      });
      for (const [id, h] of rows) held.set(id, h);
      const agentOf = new Map(agents.map((a) => [a.id, a]));
      for (const id of newAgents) {
        const agent = agentOf.get(id);
        const fresh = agent && agent.presence === 'available' ? { agent, load: loads.get(id) ?? emptyLoad() } : null;
        locked.set(id, fresh);
        // The load may have grown in another queue's router since the pass began, or the agent left.
        if (!sameCandidate(base.get(id), fresh)) changed = true;
        if (fresh) base.set(id, fresh);
        else base.delete(id);
      }
      if (!changed) break;
    }

    // Stamped once the locks are held and the loads are read: an offer never predates the end of an
    // offer or assignment whose freed capacity it relies on (the history stays true to the order).
    const at = this.clock.now();
    const inputs = plan.offers.map((p) => {
      const h = held.get(p.item.conversationId)!;
      const agent = locked.get(p.agentId)!.agent;
      return {
        conversation: h.conversation!,
        item: h.current!,
        existing: true,
        queue,
        agent,
        detail: `offered to ${agent.name} by ${p.why} among ${p.eligible} eligible agent(s)`,
        rule: p.rule,
        candidates: p.ranking,
        now: at,
      };
    });
    await makeOffers(session, inputs);
    next.at = Math.min(next.at, plan.nextAt);
    await this.recordWaits(session, plan.waits, now, held);
    return inputs.length;
  }

  /**
   * Decides a page in memory, item by item in queue order, as if each offer were made before the
   * next item is looked at (the chosen agent's load and last offer move on). `base` is not changed.
   */
  private plan(
    queue: Queue,
    items: readonly WorkItem[],
    base: ReadonlyMap<string, Candidate>,
    needsOf: ReadonlyMap<string, RelaxedNeeds>,
    stickyOf: ReadonlyMap<string, string | null>,
    policy: { now: Date; cooldownSeconds: number },
  ): PagePlan {
    const candidates: Candidate[] = [...base.values()].map((c) => ({ agent: c.agent, load: c.load }));
    const plan: PagePlan = { offers: [], waits: [], nextAt: Number.POSITIVE_INFINITY };
    // The skilled candidates of each skill set the page's items need, found once: the same objects
    // as `candidates`, so an offer planned for one item moves the load the next item's check sees.
    // Loads only grow while a page is planned: an agent left without room for the page's cheapest
    // item is dropped from these lists (at the next item needing the set), never checked again.
    const cheapest = items.reduce((min, item) => Math.min(min, item.cost), Number.POSITIVE_INFINITY);
    const skilledBy = new Map<string, { withRoom: Candidate[]; count: number; filled: number }>();
    const hasRoom = (c: Candidate) => c.load.units + cheapest <= c.agent.capacity.units;
    let filled = 0;
    for (const item of items) {
      const needs = needsOf.get(item.conversationId) ?? relaxedNeeds(item, queue.relaxation, new Map(), policy.now);
      const wanted = { ...item, skills: needs.skills, alternatives: needs.alternatives };
      const key = JSON.stringify([needs.skills, needs.alternatives]);
      let known = skilledBy.get(key);
      if (known === undefined) {
        const skilled = skilledFor(wanted, candidates);
        skilledBy.set(key, (known = { withRoom: skilled.filter(hasRoom), count: skilled.length, filled }));
      } else if (known.filled !== filled) {
        known.withRoom = known.withRoom.filter(hasRoom);
        known.filled = filled;
      }
      const { eligible, reasons, redeclined } = eligibleFor(wanted, candidates, policy, known);
      if (eligible.length === 0) {
        if (needs.nextAt) plan.nextAt = Math.min(plan.nextAt, needs.nextAt.getTime());
        const relaxed = relaxationReason(needs, queue.relaxation);
        plan.waits.push({ item, reasons: relaxed ? [...reasons, relaxed] : reasons });
        continue;
      }
      const stickyId = stickyOf.get(item.conversationId) ?? null;
      const stuck = stickyId === null ? undefined : eligible.find((c) => c.agent.id === stickyId);
      const rest = stuck ? eligible.filter((c) => c !== stuck) : eligible;
      const ranked = stuck ? [stuck, ...topAgents(queue.strategy, rest, needs.skills, RANKING_KEPT - 1)] : topAgents(queue.strategy, rest, needs.skills, RANKING_KEPT);
      const choice = ranked[0]!;
      const rule = stuck ? 'sticky' : redeclined ? 'after-decline-cooldown' : queue.strategy;
      const why =
        rule === 'sticky'
          ? `sticky (the customer's last agent within ${queue.sticky?.windowSeconds ?? 0} s)`
          : rule === 'after-decline-cooldown'
            ? 'the decline cool-down (every eligible agent had declined; the earliest decliner is asked again)'
            : queue.strategy;
      plan.offers.push({ item, agentId: choice.agent.id, rule, why, ranking: describeRanking(ranked, needs.skills, RANKING_KEPT), eligible: eligible.length });
      // The candidates are this plan's copies: what the offer would change, the next item sees.
      choice.agent = { ...choice.agent, lastOfferAt: policy.now, updatedAt: policy.now };
      choice.load = { units: choice.load.units + item.cost, perChannel: { ...choice.load.perChannel, [item.channel]: (choice.load.perChannel[item.channel] ?? 0) + 1 } };
      if (!hasRoom(choice)) filled += 1;
    }
    return plan;
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
  private async recordRelaxation(session: RoutingUnit, queue: Queue, item: WorkItem, needs: RelaxedNeeds, now: Date, held: Map<string, Held>): Promise<void> {
    const h = held.get(item.conversationId);
    let current: WorkItem | null;
    if (h !== undefined) {
      current = h.current;
    } else {
      await session.lock(lockKeys.conversation(item.conversationId));
      current = await session.workItems.get(item.conversationId);
    }
    if (!current || current.state !== 'waiting' || current.relaxationStep >= needs.step) return;
    await session.workItems.update({ ...current, relaxationStep: needs.step, updatedAt: now });
    item.relaxationStep = needs.step;
    // The page's rows were read before the step was written: the offer must not write it back.
    if (h !== undefined) held.set(item.conversationId, { ...h, current: { ...current, relaxationStep: needs.step } });
    const reason = relaxationReason(needs, queue.relaxation);
    await session.decisions.insert({
      id: newId(), conversationId: item.conversationId, queueId: queue.id, at: now, outcome: 'relaxed', agentId: null,
      detail: reason?.detail ?? `relaxation step ${needs.step}`, rule: `relaxation_step:${needs.step}`, candidates: null,
    });
  }

  /**
   * Keeps on each item why it waits, as of this pass (written only when the reason changed). Items
   * of the page read under their lock are written as read; the others are locked and read first,
   * all in one round trip.
   */
  private async recordWaits(session: RoutingUnit, waits: PagePlan['waits'], now: Date, held: Map<string, Held>): Promise<void> {
    const changed = waits.filter(({ item, reasons }) => !(item.reasons.length === reasons.length && item.reasons.every((r, i) => r.code === reasons[i]?.code && r.detail === reasons[i]?.detail)));
    if (changed.length === 0) return;
    const unread = changed.filter(({ item }) => !held.has(item.conversationId)).map(({ item }) => item);
    if (unread.length > 0) {
      await session.lockAll(unread.map((item) => lockKeys.conversation(item.conversationId)));
      const items = await session.workItems.getMany(unread.map((item) => item.conversationId));
      for (const current of items) held.set(current.conversationId, { current, conversation: null });
    }
    const writes: WorkItem[] = [];
    for (const { item, reasons } of changed) {
      const current = held.get(item.conversationId)?.current;
      if (!current || current.state !== 'waiting') continue;
      writes.push({ ...current, reasons, updatedAt: now });
      item.reasons = reasons;
    }
    await session.workItems.updateMany(writes);
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
