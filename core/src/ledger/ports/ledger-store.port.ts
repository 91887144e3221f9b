import type { Page, PageRequest } from '../../shared/page.js';
import type { Conversation, ConversationStatus } from '../conversation.entity.js';
import type { Delivery, Interaction } from '../interaction.entity.js';

export interface ConversationFilter {
  status?: ConversationStatus | undefined;
  queueId?: string | undefined;
  customerId?: string | undefined;
}

export interface ConversationRepository {
  insert(conversation: Conversation): Promise<void>;
  get(id: string): Promise<Conversation | null>;
  update(conversation: Conversation): Promise<void>;
  /** The customer's most recently updated conversation that is neither resolved nor closed, updated at or after `since`. */
  findOpen(customerId: string, since: Date): Promise<Conversation | null>;
  /** Newest first (by createdAt, then id). */
  list(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
}

export interface InteractionRepository {
  /** Append-only: there is no update and no delete. */
  insert(interaction: Interaction): Promise<void>;
  get(id: string): Promise<Interaction | null>;
  /** The entry with the highest `seq` of a conversation (the chain's head). */
  last(conversationId: string): Promise<Interaction | null>;
  /** All entries of a conversation in `seq` order. */
  listByConversation(conversationId: string): Promise<Interaction[]>;
  /** Every entry of a customer across conversations, newest first (occurredAt desc, then recordedAt desc, then id). */
  timeline(customerId: string, page: PageRequest): Promise<Page<Interaction>>;
  /** The conversation whose entry on `channel` has `externalId` or `threadRef` equal to `ref`. Newest wins. */
  findConversationByRef(channel: string, ref: string): Promise<string | null>;
  /** The newest inbound entry of a conversation (whom to reply to). */
  lastInbound(conversationId: string): Promise<Interaction | null>;
}

/** Dedupe of inbound messages: `(channel, externalId)` is recorded once. */
export interface InboundReceiptRepository {
  find(channel: string, externalId: string): Promise<{ interactionId: string } | null>;
  insert(receipt: { channel: string; externalId: string; interactionId: string; receivedAt: Date }): Promise<void>;
}

export interface DeliveryRepository {
  insert(delivery: Delivery): Promise<void>;
  get(interactionId: string): Promise<Delivery | null>;
  update(delivery: Delivery): Promise<void>;
  /** Pending or retrying deliveries due by `now` whose lease is free: the sweeper's work list. */
  listDue(now: Date, limit: number): Promise<Delivery[]>;
  getMany(interactionIds: readonly string[]): Promise<Delivery[]>;
}
