import { emptyLoad, type Agent, type AgentLoad } from '../../routing/agent.entity.js';
import type { Assignment, Offer, OfferStatus, RoutingDecision } from '../../routing/offer.entity.js';
import type {
  AgentFilter,
  AgentRepository,
  AssignmentRepository,
  OfferRepository,
  QueueRepository,
  RoutingDecisionRepository,
  RoutingRuleRepository,
  SettledQueue,
  WorkItemRepository,
} from '../../routing/ports/routing-store.port.js';
import { hasSkills } from '../../routing/eligibility.js';
import { effectivePriority, type Queue, type QueueAging } from '../../routing/queue.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import type { RoutingRule } from '../../routing/routing-rule.entity.js';
import type { Page, PageRequest } from '../../shared/page.js';
import { asJson, byText, byTime, ConstraintError, copy, keysetPage, sortedCopies, type Ordering } from './rows.js';
import type { Db } from './tables.js';

const byQueueName: Ordering<Queue> = { shape: ['text'], key: (q) => ({ keys: [q.name], id: q.id }), direction: 'asc' };
const byAgentName: Ordering<Agent> = { shape: ['text'], key: (a) => ({ keys: [a.name], id: a.id }), direction: 'asc' };
const newestOffers: Ordering<Offer> = { shape: ['date'], key: (o) => ({ keys: [o.createdAt], id: o.id }), direction: 'desc' };

/** Every change of a queue moves the routing rules' version too (as a trigger does in SQL): ingest caches queues under it. */
export const bumpRoutingVersion = (db: Pick<Db, 'routingRuleVersion'>): number => {
  const next = (db.routingRuleVersion.get('version') ?? 0) + 1;
  db.routingRuleVersion.set('version', next);
  return next;
};

const stored = (queue: Queue): Queue => ({ ...copy(queue), businessHours: queue.businessHours === null ? null : asJson(queue.businessHours) });

export class InMemoryQueueRepository implements QueueRepository {
  constructor(private readonly db: Db) {}

  async insert(queue: Queue): Promise<void> {
    if (this.db.queues.has(queue.id)) throw new ConstraintError('queues', queue.id);
    if (this.named(queue.name)) throw new ConstraintError('queues (name)', queue.name);
    this.db.queues.set(queue.id, stored(queue));
    bumpRoutingVersion(this.db);
  }

  async get(id: string): Promise<Queue | null> {
    const row = this.db.queues.get(id);
    return row ? copy(row) : null;
  }

  async getByName(name: string): Promise<Queue | null> {
    const row = this.named(name);
    return row ? copy(row) : null;
  }

  async list(page: PageRequest): Promise<Page<Queue>> {
    return keysetPage(this.db.queues.values(), byQueueName, page);
  }

  async update(queue: Queue): Promise<void> {
    if (!this.db.queues.has(queue.id)) return;
    const holder = this.named(queue.name);
    if (holder && holder.id !== queue.id) throw new ConstraintError('queues (name)', queue.name);
    this.db.queues.set(queue.id, stored(queue));
    bumpRoutingVersion(this.db);
  }

  async delete(id: string): Promise<void> {
    if (!this.db.queues.has(id)) return;
    this.db.queues.delete(id);
    bumpRoutingVersion(this.db);
  }

  private named(name: string): Queue | undefined {
    return this.db.queues.values().find((q) => q.name === name);
  }
}

export class InMemoryAgentRepository implements AgentRepository {
  constructor(private readonly db: Db) {}

  async insert(agent: Agent): Promise<void> {
    if (this.db.agents.has(agent.id)) throw new ConstraintError('agents', agent.id);
    this.db.agents.set(agent.id, copy(agent));
  }

  async get(id: string): Promise<Agent | null> {
    const row = this.db.agents.get(id);
    return row ? copy(row) : null;
  }

  async getMany(ids: readonly string[]): Promise<Agent[]> {
    return [...new Set(ids)].flatMap((id) => {
      const row = this.db.agents.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async list(page: PageRequest): Promise<Page<Agent>> {
    return keysetPage(this.db.agents.values(), byAgentName, page);
  }

  async listByPresence(presence: Agent['presence'], filter: AgentFilter = {}): Promise<Agent[]> {
    const { skilledFor, limit } = filter;
    const matching = this.db.agents.values().filter((a) => a.presence === presence && (skilledFor === undefined || skilledFor.some((skills) => hasSkills(a, skills))));
    return sortedCopies(matching, byName).slice(0, limit ?? Number.MAX_SAFE_INTEGER);
  }

  async update(agent: Agent): Promise<void> {
    if (this.db.agents.has(agent.id)) this.db.agents.set(agent.id, copy(agent));
  }

  async updateMany(agents: readonly Agent[]): Promise<void> {
    for (const agent of agents) await this.update(agent);
  }
}

const byName = (a: Agent, b: Agent) => byText(a.name, b.name) || byText(a.id, b.id);

export class InMemoryWorkItemRepository implements WorkItemRepository {
  constructor(private readonly db: Db) {}

  async insert(item: WorkItem): Promise<void> {
    await this.insertMany([item]);
  }

  async insertMany(items: readonly WorkItem[]): Promise<void> {
    this.db.workItems.insertNew('work_items', items, (w) => w.conversationId);
  }

  async get(conversationId: string): Promise<WorkItem | null> {
    const row = this.db.workItems.get(conversationId);
    return row ? copy(row) : null;
  }

  async getMany(conversationIds: readonly string[]): Promise<WorkItem[]> {
    return [...new Set(conversationIds)].flatMap((id) => {
      const row = this.db.workItems.get(id);
      return row ? [copy(row)] : [];
    });
  }

  async update(item: WorkItem): Promise<void> {
    if (this.db.workItems.has(item.conversationId)) this.db.workItems.set(item.conversationId, copy(item));
  }

  async updateMany(items: readonly WorkItem[]): Promise<void> {
    for (const item of items) await this.update(item);
  }

  async delete(conversationId: string): Promise<void> {
    this.db.workItems.delete(conversationId);
  }

  async listWaiting(queueId: string, limit: number, order?: { now: Date; aging: QueueAging | null }): Promise<WorkItem[]> {
    const rank = (w: WorkItem) => (order ? effectivePriority(w, order.aging, order.now) : w.priority);
    return sortedCopies(
      this.db.workItems.values().filter((w) => w.queueId === queueId && w.state === 'waiting'),
      (a, b) => rank(b) - rank(a) || byTime(a.enqueuedAt, b.enqueuedAt) || byText(a.conversationId, b.conversationId),
      limit,
    );
  }

  async lockFirstSettled(queues: readonly SettledQueue[], depth: number, at: { now: Date; settledBefore: Date; except?: readonly string[] }): Promise<string | null> {
    const except = new Set(at.except ?? []);
    // Transactions run one at a time: no lock is ever held by another, so the first settled item is taken.
    const heads = await Promise.all(
      queues.map(async (queue) =>
        (await this.listWaiting(queue.id, Number.MAX_SAFE_INTEGER, { now: at.now, aging: queue.aging }))
          .filter((w) => w.reasons.length > 0 || w.enqueuedAt.getTime() < at.settledBefore.getTime())
          .slice(0, depth)
          .filter((w) => !except.has(w.conversationId))
          .map((w) => ({ w, priority: effectivePriority(w, queue.aging, at.now) })),
      ),
    );
    const [first] = heads
      .flat()
      .sort((a, b) => b.priority - a.priority || byTime(a.w.enqueuedAt, b.w.enqueuedAt) || byText(a.w.conversationId, b.w.conversationId));
    return first?.w.conversationId ?? null;
  }

  async queuesWithWaiting(): Promise<string[]> {
    return [...new Set(this.db.workItems.values().filter((w) => w.state === 'waiting').map((w) => w.queueId))].sort(byText);
  }

  async countByQueue(queueId: string): Promise<{ waiting: number; offered: number; oldestEnqueuedAt: Date | null }> {
    const items = this.db.workItems.values().filter((w) => w.queueId === queueId);
    const oldest = items.map((w) => w.enqueuedAt).sort(byTime)[0];
    return {
      waiting: items.filter((w) => w.state === 'waiting').length,
      offered: items.filter((w) => w.state === 'offered').length,
      oldestEnqueuedAt: oldest ? new Date(oldest) : null,
    };
  }
}

export class InMemoryOfferRepository implements OfferRepository {
  constructor(private readonly db: Db) {}

  async insert(offer: Offer): Promise<void> {
    await this.insertMany([offer]);
  }

  async insertMany(offers: readonly Offer[]): Promise<void> {
    this.db.offers.insertNew('offers', offers, (o) => o.id);
  }

  async get(id: string): Promise<Offer | null> {
    const row = this.db.offers.get(id);
    return row ? copy(row) : null;
  }

  async update(offer: Offer): Promise<void> {
    if (this.db.offers.has(offer.id)) this.db.offers.set(offer.id, copy(offer));
  }

  async listByAgent(agentId: string, status: OfferStatus | undefined, page: PageRequest): Promise<Page<Offer>> {
    return keysetPage(
      this.db.offers.values().filter((o) => o.agentId === agentId && (status === undefined || o.status === status)),
      newestOffers,
      page,
    );
  }

  async listPendingByConversation(conversationId: string): Promise<Offer[]> {
    return sortedCopies(
      this.db.offers.values().filter((o) => o.conversationId === conversationId && o.status === 'pending'),
      (a, b) => byTime(a.createdAt, b.createdAt) || byText(a.id, b.id),
    );
  }

  async listExpired(now: Date, limit: number): Promise<Offer[]> {
    return sortedCopies(
      this.db.offers.values().filter((o) => o.status === 'pending' && o.expiresAt.getTime() <= now.getTime()),
      (a, b) => byTime(a.expiresAt, b.expiresAt) || byText(a.id, b.id),
      limit,
    );
  }
}

export class InMemoryAssignmentRepository implements AssignmentRepository {
  constructor(private readonly db: Db) {}

  async insert(assignment: Assignment): Promise<void> {
    if (this.db.assignments.has(assignment.id)) throw new ConstraintError('assignments', assignment.id);
    this.db.assignments.set(assignment.id, copy(assignment));
  }

  async activeByConversation(conversationId: string): Promise<Assignment | null> {
    const [active] = sortedCopies(
      this.db.assignments.values().filter((a) => a.conversationId === conversationId && a.endedAt === null),
      (a, b) => byTime(b.startedAt, a.startedAt) || byText(b.id, a.id),
    );
    return active ?? null;
  }

  async update(assignment: Assignment): Promise<void> {
    if (this.db.assignments.has(assignment.id)) this.db.assignments.set(assignment.id, copy(assignment));
  }

  async countActiveByQueue(queueId: string): Promise<number> {
    return this.db.assignments.values().filter((a) => a.queueId === queueId && a.endedAt === null).length;
  }

  async loads(agentIds: readonly string[]): Promise<Map<string, AgentLoad>> {
    const loads = new Map<string, AgentLoad>(agentIds.map((id) => [id, emptyLoad()]));
    const plate = [
      ...this.db.offers.values().filter((o) => o.status === 'pending'),
      ...this.db.assignments.values().filter((a) => a.endedAt === null),
    ];
    for (const { agentId, channel, cost } of plate) {
      const load = loads.get(agentId);
      if (load === undefined) continue;
      load.units += cost;
      load.perChannel[channel] = (load.perChannel[channel] ?? 0) + 1;
    }
    return loads;
  }
}

export class InMemoryRoutingDecisionRepository implements RoutingDecisionRepository {
  constructor(private readonly db: Db) {}

  async insert(decision: RoutingDecision): Promise<void> {
    if (this.db.decisions.has(decision.id)) throw new ConstraintError('routing_decisions', decision.id);
    this.db.decisions.set(decision.id, copy(decision));
  }

  async insertMany(decisions: readonly RoutingDecision[]): Promise<void> {
    for (const decision of decisions) await this.insert(decision);
  }

  async listByConversation(conversationId: string): Promise<RoutingDecision[]> {
    return sortedCopies(
      this.db.decisions.values().filter((d) => d.conversationId === conversationId),
      (a, b) => byTime(a.at, b.at) || byText(a.id, b.id),
    );
  }
}

export class InMemoryRoutingRuleRepository implements RoutingRuleRepository {
  constructor(private readonly db: Db) {}

  async list(): Promise<RoutingRule[]> {
    return sortedCopies(this.db.routingRules.values(), (a, b) => a.position - b.position || byText(a.id, b.id));
  }

  async get(id: string): Promise<RoutingRule | null> {
    const row = this.db.routingRules.get(id);
    return row ? copy(row) : null;
  }

  async insert(rule: RoutingRule): Promise<void> {
    if (this.db.routingRules.has(rule.id)) throw new ConstraintError('routing_rules', rule.id);
    this.db.routingRules.set(rule.id, asJsonRule(rule));
  }

  async update(rule: RoutingRule): Promise<void> {
    if (this.db.routingRules.has(rule.id)) this.db.routingRules.set(rule.id, asJsonRule(rule));
  }

  async delete(id: string): Promise<void> {
    this.db.routingRules.delete(id);
  }

  async version(): Promise<number> {
    return this.db.routingRuleVersion.get('version') ?? 0;
  }

  async bumpVersion(): Promise<number> {
    return bumpRoutingVersion(this.db);
  }
}

// Conditions and actions are JSON columns in SQL: store them as JSON would come back (undefined keys gone).
const asJsonRule = (rule: RoutingRule): RoutingRule => ({ ...copy(rule), match: asJson(rule.match), actions: asJson(rule.actions) });
