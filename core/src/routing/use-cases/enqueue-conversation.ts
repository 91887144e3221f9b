import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import type { RoutingDecision } from '../offer.entity.js';
import { costFor, type Queue } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import type { RoutingRule } from '../routing-rule.entity.js';
import { newId } from '../../shared/ids.js';
import { ruleSkills } from './manage-routing-rules.use-case.js';
import { resolveQueue, type PrefetchedQueues } from './resolve-queue.js';

/** The channel a conversation's work item is routed on: where the customer last wrote from. */
export const itemChannelOf = (conversation: Pick<Conversation, 'lastInboundChannel' | 'channels'>): string =>
  conversation.lastInboundChannel ?? conversation.channels[0] ?? 'system';

const withSkills = (base: Record<string, number>, added: Record<string, number>): Record<string, number> => {
  const out = { ...base };
  for (const [skill, level] of Object.entries(added)) out[skill] = Math.max(out[skill] ?? 0, level);
  return out;
};

export const workItemFor = (conversation: Conversation, queue: Queue, now: Date, state: WorkItem['state'] = 'waiting', rule: RoutingRule | null = null): WorkItem => {
  const channel = itemChannelOf(conversation);
  const added = ruleSkills(rule?.actions.skills);
  const skills = withSkills(queue.skills, added.required);
  // A skill both required and optional stays required.
  const optional = Object.fromEntries(Object.entries(withSkills(queue.optionalSkills ?? {}, added.optional)).filter(([skill]) => skills[skill] === undefined));
  return {
    conversationId: conversation.id,
    queueId: queue.id,
    priority: conversation.priority,
    channel,
    skills,
    optionalSkills: optional,
    relaxationStep: 0,
    cost: costFor(queue, channel),
    state,
    enqueuedAt: now,
    excludedAgents: [],
    declinedAt: null,
    reasons: [],
    updatedAt: now,
  };
};

export interface EnqueueOptions {
  /** Channel → name of its default queue (not needed with `queue`). */
  channelQueues?: Record<string, string> | undefined;
  /** Queue every conversation here, instead of finding each one's queue. */
  queue?: Queue | undefined;
  prefetched?: PrefetchedQueues | undefined;
  /** Conversation id → the routing rule that matched its message, with the rule's queue (null: the rule names none, or it was deleted). */
  rules?: ReadonlyMap<string, { rule: RoutingRule; queue: Queue | null }> | undefined;
  now: Date;
}

/**
 * Puts conversations in a queue for routing — new, reopened or transferred alike: the queue is
 * `options.queue`, else the conversation's previous queue, its channel's, or `default`. Writes the
 * work items and `conversation.queued` events and answers the queued conversations, which the
 * caller (holding their locks) writes. Imports that must not route simply do not call this.
 */
export const enqueueConversations = async (
  session: Pick<RoutingSession, 'queues' | 'workItems' | 'decisions'> & OutboxSession,
  conversations: readonly Conversation[],
  options: EnqueueOptions,
): Promise<Conversation[]> => {
  const resolved = new Map<string, Queue>();
  const items: WorkItem[] = [];
  const queued: Conversation[] = [];
  const decisions: RoutingDecision[] = [];
  for (const conversation of conversations) {
    const channel = itemChannelOf(conversation);
    const matched = options.queue ? undefined : options.rules?.get(conversation.id);
    const cacheKey = `${conversation.queueId ?? ''}\u0000${channel}`;
    const queue =
      options.queue ??
      matched?.queue ??
      resolved.get(cacheKey) ??
      (await resolveQueue(session, options.channelQueues ?? {}, channel, conversation.queueId, options.prefetched));
    if (!matched?.queue) resolved.set(cacheKey, queue);
    let next = conversationLifecycle.queued(conversation, queue.id, options.now);
    const priority = matched?.rule.actions.priority;
    if (priority !== undefined) next = { ...next, priority };
    queued.push(next);
    const item = workItemFor(next, queue, options.now, 'waiting', matched?.rule ?? null);
    items.push(item);
    if (matched) decisions.push(ruleDecision(matched.rule, queue, item, options.now));
  }
  if (items.length === 1) await session.workItems.insert(items[0]!);
  else if (items.length > 1) await session.workItems.insertMany(items);
  if (decisions.length > 0) await session.decisions.insertMany(decisions);
  await session.outbox.add(items.map((item) => ({ type: 'conversation.queued' as const, conversationId: item.conversationId, queueId: item.queueId })));
  return queued;
};

/** The explainer's record of the rule that routed a conversation. */
const ruleDecision = (rule: RoutingRule, queue: Queue, item: WorkItem, now: Date): RoutingDecision => {
  const what = [`queue ${queue.name}`, `priority ${item.priority}`];
  const skills = Object.entries(item.skills).map(([s, l]) => `${s}≥${l}`);
  const optional = Object.entries(item.optionalSkills).map(([s, l]) => `${s}≥${l} (optional)`);
  if (skills.length + optional.length > 0) what.push(`skills ${[...skills, ...optional].join(', ')}`);
  return {
    id: newId(),
    conversationId: item.conversationId,
    queueId: queue.id,
    at: now,
    outcome: 'queued',
    agentId: null,
    detail: `routing rule '${rule.name}' (#${rule.position}) matched: ${what.join('; ')}`,
    rule: `routing-rule:${rule.id}`,
    candidates: null,
  };
};

/** `enqueueConversations` for one conversation (a reopen, a transfer to a queue). */
export const enqueueConversation = async (
  session: Pick<RoutingSession, 'queues' | 'workItems' | 'decisions'> & OutboxSession,
  conversation: Conversation,
  options: EnqueueOptions,
): Promise<Conversation> => {
  const [queued] = await enqueueConversations(session, [conversation], options);
  if (!queued) throw new Error(`conversation ${conversation.id} was not queued`);
  return queued;
};
