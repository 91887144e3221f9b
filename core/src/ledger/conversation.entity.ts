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
  /** How many times the conversation changed hands (transfers, re-queues after an assignment ended). */
  hops: number;
  assignment: { agentId: string; since: Date } | null;
  /** The channel the customer last wrote from: replies go out there. */
  lastInboundChannel: string | null;
  lastInboundAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const isOpenStatus = (status: ConversationStatus): boolean => status !== 'resolved' && status !== 'closed';
