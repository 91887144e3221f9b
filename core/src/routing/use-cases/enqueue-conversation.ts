import { conversationLifecycle, type Conversation } from '../../ledger/conversation.entity.js';
import type { OutboxSession } from '../../shared/ports/outbox.port.js';
import type { RoutingSession } from '../ports/routing-store.port.js';
import { costFor, type Queue } from '../queue.entity.js';
import type { WorkItem } from '../work-item.entity.js';
import { resolveQueue, type PrefetchedQueues } from './resolve-queue.js';

/** The channel a conversation's work item is routed on: where the customer last wrote from. */
export const itemChannelOf = (conversation: Pick<Conversation, 'lastInboundChannel' | 'channels'>): string =>
  conversation.lastInboundChannel ?? conversation.channels[0] ?? 'system';

export const workItemFor = (conversation: Conversation, queue: Queue, now: Date, state: WorkItem['state'] = 'waiting'): WorkItem => {
  const channel = itemChannelOf(conversation);
  return {
    conversationId: conversation.id,
    queueId: queue.id,
    priority: conversation.priority,
    channel,
    skills: queue.skills,
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
  now: Date;
}

/**
 * Puts conversations in a queue for routing — new, reopened or transferred alike: the queue is
 * `options.queue`, else the conversation's previous queue, its channel's, or `default`. Writes the
 * work items and `conversation.queued` events and answers the queued conversations, which the
 * caller (holding their locks) writes. Imports that must not route simply do not call this.
 */
export const enqueueConversations = async (
  session: Pick<RoutingSession, 'queues' | 'workItems'> & OutboxSession,
  conversations: readonly Conversation[],
  options: EnqueueOptions,
): Promise<Conversation[]> => {
  const resolved = new Map<string, Queue>();
  const items: WorkItem[] = [];
  const queued: Conversation[] = [];
  for (const conversation of conversations) {
    const channel = itemChannelOf(conversation);
    const cacheKey = `${conversation.queueId ?? ''}\u0000${channel}`;
    const queue =
      options.queue ?? resolved.get(cacheKey) ?? (await resolveQueue(session, options.channelQueues ?? {}, channel, conversation.queueId, options.prefetched));
    resolved.set(cacheKey, queue);
    const next = conversationLifecycle.queued(conversation, queue.id, options.now);
    queued.push(next);
    items.push(workItemFor(next, queue, options.now));
  }
  if (items.length === 1) await session.workItems.insert(items[0]!);
  else if (items.length > 1) await session.workItems.insertMany(items);
  await session.outbox.add(items.map((item) => ({ type: 'conversation.queued' as const, conversationId: item.conversationId, queueId: item.queueId })));
  return queued;
};

/** `enqueueConversations` for one conversation (a reopen, a transfer to a queue). */
export const enqueueConversation = async (
  session: Pick<RoutingSession, 'queues' | 'workItems'> & OutboxSession,
  conversation: Conversation,
  options: EnqueueOptions,
): Promise<Conversation> => {
  const [queued] = await enqueueConversations(session, [conversation], options);
  if (!queued) throw new Error(`conversation ${conversation.id} was not queued`);
  return queued;
};
