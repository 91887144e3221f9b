import { newId } from '../shared/ids.js';
import { ledgerErrors } from './ledger.errors.js';

export const CONVERSATION_STATUSES = ['open', 'queued', 'offered', 'assigned', 'waiting', 'resolved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** One customer issue, across channels. */
export interface Conversation {
  id: string;
  customerId: string;
  status: ConversationStatus;
  queueId: string | null;
  priority: number;
  /** Channels seen on this conversation, in the order they first appeared. */
  channels: string[];
  /** Channel hops: how often a message came on another channel than the message before it. */
  hops: number;
  /** How many times the conversation changed hands (transfers). */
  handoffs: number;
  assignment: { agentId: string; since: Date } | null;
  /** The channel the customer last wrote from: replies go out there. */
  lastInboundChannel: string | null;
  lastInboundAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A channel hop: the customer moved from one channel to another within a conversation. */
export interface ChannelHop {
  from: string;
  to: string;
}

/**
 * The hop a message on `channel` makes, if any. Replies go out on the channel the customer last wrote
 * from, so the channel of the conversation's previous message is always `lastInboundChannel`.
 */
export const hopOf = (conversation: Pick<Conversation, 'lastInboundChannel'>, channel: string): ChannelHop | null =>
  conversation.lastInboundChannel !== null && conversation.lastInboundChannel !== channel ? { from: conversation.lastInboundChannel, to: channel } : null;

export const isOpenStatus = (status: ConversationStatus): boolean => status !== 'resolved' && status !== 'closed';

/** Statuses each status may move to; anything else is refused (a bug, or a race lost under the lock). */
const NEXT: Readonly<Record<ConversationStatus, readonly ConversationStatus[]>> = {
  open: ['queued', 'offered', 'resolved'],
  queued: ['queued', 'offered', 'resolved'],
  offered: ['queued', 'offered', 'assigned', 'resolved'],
  assigned: ['queued', 'offered', 'waiting', 'resolved'],
  waiting: ['queued', 'offered', 'assigned', 'resolved'],
  resolved: ['queued', 'closed'],
  closed: [],
};

const move = (conversation: Conversation, to: ConversationStatus, now: Date, changes: Partial<Conversation> = {}): Conversation => {
  if (!NEXT[conversation.status].includes(to)) {
    throw ledgerErrors.invalidTransition(conversation.status, to);
  }
  return { ...conversation, ...changes, status: to, updatedAt: now };
};

/**
 * The conversation lifecycle, in one place: every status change goes through one of these, each
 * answering the changed copy (the caller holds the conversation's lock and writes it back).
 */
export const conversationLifecycle = {
  /** A new conversation of a customer, not yet in a queue. */
  open(customerId: string, now: Date, id: string = newId()): Conversation {
    return {
      id,
      customerId,
      status: 'open',
      queueId: null,
      priority: 0,
      channels: [],
      hops: 0,
      handoffs: 0,
      assignment: null,
      lastInboundChannel: null,
      lastInboundAt: null,
      firstResponseAt: null,
      resolvedAt: null,
      createdAt: now,
      updatedAt: now,
    };
  },
  /** Waits in `queueId` for an agent: new, reopened, transferred, or back after a declined or expired offer. */
  queued(conversation: Conversation, queueId: string, now: Date): Conversation {
    return move(conversation, 'queued', now, { queueId, assignment: null, resolvedAt: null });
  },
  /** Reserved for one agent (an offer is pending). */
  offered(conversation: Conversation, queueId: string, now: Date): Conversation {
    return move(conversation, 'offered', now, { queueId, assignment: null });
  },
  /** An offer of it was declined, expired or rescinded: back to waiting in its queue. */
  offerWithdrawn(conversation: Conversation, now: Date): Conversation {
    return conversation.status === 'offered' ? move(conversation, 'queued', now) : conversation;
  },
  assigned(conversation: Conversation, agentId: string, now: Date): Conversation {
    return move(conversation, 'assigned', now, { assignment: { agentId, since: now } });
  },
  /** An agent answered: the ball is with the customer; the first response is recorded. */
  agentReplied(conversation: Conversation, now: Date): Conversation {
    const changes = { firstResponseAt: conversation.firstResponseAt ?? now };
    return conversation.status === 'assigned' ? move(conversation, 'waiting', now, changes) : { ...conversation, ...changes, updatedAt: now };
  },
  /** The customer wrote on `channel`: the ball is back with the assigned agent, if any; a change of channel counts as a hop. */
  customerWrote(conversation: Conversation, channel: string, now: Date): Conversation {
    const changes: Partial<Conversation> = {
      channels: conversation.channels.includes(channel) ? conversation.channels : [...conversation.channels, channel],
      hops: conversation.hops + (hopOf(conversation, channel) ? 1 : 0),
      lastInboundChannel: channel,
      lastInboundAt: now,
    };
    return conversation.status === 'waiting' ? move(conversation, 'assigned', now, changes) : { ...conversation, ...changes, updatedAt: now };
  },
  /** Moved to another queue or agent by a transfer: counts as a hand-over. */
  handedOver(conversation: Conversation): Conversation {
    return { ...conversation, handoffs: conversation.handoffs + 1 };
  },
  resolved(conversation: Conversation, now: Date): Conversation {
    if (!isOpenStatus(conversation.status)) {
      throw ledgerErrors.alreadyResolved(conversation.id, conversation.status);
    }
    return move(conversation, 'resolved', now, { assignment: null, resolvedAt: now });
  },
};
