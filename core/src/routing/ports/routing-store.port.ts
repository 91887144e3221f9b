import type { Page, PageRequest } from '../../shared/page.js';
import type { Agent, AgentLoad } from '../agent.entity.js';
import type { Assignment, Offer, OfferStatus, RoutingDecision } from '../offer.entity.js';
import type { Queue, QueueAging } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import type { RoutingRule } from '../routing-rule.entity.js';

export interface QueueRepository {
  insert(queue: Queue): Promise<void>;
  get(id: string): Promise<Queue | null>;
  getByName(name: string): Promise<Queue | null>;
  /** By name, then id (names in the store's collation order). */
  list(page: PageRequest): Promise<Page<Queue>>;
  update(queue: Queue): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Which agents of a presence `listByPresence` answers. */
export interface AgentFilter {
  skilledFor?: readonly Record<string, number>[];
  limit?: number;
}

export interface AgentRepository {
  insert(agent: Agent): Promise<void>;
  get(id: string): Promise<Agent | null>;
  /** The agents of those ids that exist, in no particular order (a routing pass re-reads the agents it chose). */
  getMany(ids: readonly string[]): Promise<Agent[]>;
  /** By name, then id. */
  list(page: PageRequest): Promise<Page<Agent>>;
  /**
   * The agents with that presence, by name then id. `skilledFor`: only those who have every skill of
   * one of the sets at its level or above (`hasSkills`; an empty list matches nobody), so that a
   * routing pass reads the agents its items could go to, not all of them; `limit`: the first so many.
   */
  listByPresence(presence: Agent['presence'], filter?: AgentFilter): Promise<Agent[]>;
  update(agent: Agent): Promise<void>;
  /** `update` for several agents (one each) at once. */
  updateMany(agents: readonly Agent[]): Promise<void>;
}

/** A queue whose settled items `lockFirstSettled` looks at, with its aging. */
export interface SettledQueue {
  id: string;
  aging: QueueAging | null;
}

export interface WorkItemRepository {
  insert(item: WorkItem): Promise<void>;
  insertMany(items: readonly WorkItem[]): Promise<void>;
  get(conversationId: string): Promise<WorkItem | null>;
  /** The items of those conversations that exist, in no particular order. */
  getMany(conversationIds: readonly string[]): Promise<WorkItem[]>;
  update(item: WorkItem): Promise<void>;
  /** `update` for several items (one per conversation) at once. */
  updateMany(items: readonly WorkItem[]): Promise<void>;
  delete(conversationId: string): Promise<void>;
  /**
   * Waiting items of a queue: priority desc, then enqueuedAt asc (then conversation id). With
   * `aging`, by effective priority as of `now` instead (see `effectivePriority`).
   */
  listWaiting(queueId: string, limit: number, order?: { now: Date; aging: QueueAging | null }): Promise<WorkItem[]>;
  /**
   * In a transaction: takes, without waiting, the lock of the conversation (`lockKeys.conversation`)
   * of the first settled waiting item of `queues` whose lock no other transaction holds, and answers
   * its conversation (null: none is free). The queues' heads, the first `depth` of each, are merged
   * in `listWaiting`'s order: effective priority as of `now` (with each queue's `aging`), then
   * enqueue time, then conversation id. Settled: a routing pass has left the item waiting with a
   * reason, or it was enqueued before `settledBefore`. Held items are skipped, and none after the
   * one taken is locked: one round trip that never waits. `except`: conversations not to take (a
   * transaction's own locks are free to it: those it has tried already). The item may have changed
   * in the instant before its lock was taken: read it again under the lock.
   */
  lockFirstSettled(queues: readonly SettledQueue[], depth: number, at: { now: Date; settledBefore: Date; except?: readonly string[] }): Promise<string | null>;
  /** Ids of queues that have waiting items (the sweeper routes them). */
  queuesWithWaiting(): Promise<string[]>;
  countByQueue(queueId: string): Promise<{ waiting: number; offered: number; oldestEnqueuedAt: Date | null }>;
}

export interface OfferRepository {
  insert(offer: Offer): Promise<void>;
  /** Several at once (a routing pass writes its offers together). */
  insertMany(offers: readonly Offer[]): Promise<void>;
  get(id: string): Promise<Offer | null>;
  update(offer: Offer): Promise<void>;
  /** Newest first (createdAt, then id); `status` undefined means every status. */
  listByAgent(agentId: string, status: OfferStatus | undefined, page: PageRequest): Promise<Page<Offer>>;
  listPendingByConversation(conversationId: string): Promise<Offer[]>;
  /** Pending offers whose `expiresAt` is at or before `now`. */
  listExpired(now: Date, limit: number): Promise<Offer[]>;
}

export interface AssignmentRepository {
  insert(assignment: Assignment): Promise<void>;
  activeByConversation(conversationId: string): Promise<Assignment | null>;
  update(assignment: Assignment): Promise<void>;
  countActiveByQueue(queueId: string): Promise<number>;
  /** Units and per-channel item counts of pending offers plus active assignments, for each agent asked about. */
  loads(agentIds: readonly string[]): Promise<Map<string, AgentLoad>>;
}

export interface RoutingDecisionRepository {
  insert(decision: RoutingDecision): Promise<void>;
  /** Several at once (ingest records the routing rule of each conversation it queues). */
  insertMany(decisions: readonly RoutingDecision[]): Promise<void>;
  listByConversation(conversationId: string): Promise<RoutingDecision[]>;
}

export interface RoutingSession {
  readonly queues: QueueRepository;
  readonly agents: AgentRepository;
  readonly workItems: WorkItemRepository;
  readonly offers: OfferRepository;
  readonly assignments: AssignmentRepository;
  readonly decisions: RoutingDecisionRepository;
  readonly routingRules: RoutingRuleRepository;
}

/**
 * Routing rules, and a version that every change bumps in the same transaction: ingest keeps the
 * compiled rules and the queues it sends to in memory and reads only the version per batch, so a
 * change made through any process is seen by the next message everywhere. The store itself bumps
 * it with every write to queues (insert, update, delete, a restore's rows); rule changes call
 * `bumpVersion`.
 */
export interface RoutingRuleRepository {
  /** Every rule, by position then id. */
  list(): Promise<RoutingRule[]>;
  get(id: string): Promise<RoutingRule | null>;
  insert(rule: RoutingRule): Promise<void>;
  update(rule: RoutingRule): Promise<void>;
  delete(id: string): Promise<void>;
  /** The current version (0 before any change of a rule or a queue). */
  version(): Promise<number>;
  /** Increments the version; answers the new one. */
  bumpVersion(): Promise<number>;
}
