import type { Page, PageRequest } from '../../shared/page.js';
import type { Conversation, ConversationStatus } from '../conversation.entity.js';
import type { Interaction } from '../interaction.entity.js';

export interface ConversationFilter {
  status?: ConversationStatus | undefined;
  queueId?: string | undefined;
  customerId?: string | undefined;
  /** Conversations assigned to this agent now. */
  assignedTo?: string | undefined;
}

export interface ConversationRepository {
  insert(conversation: Conversation): Promise<void>;
  get(id: string): Promise<Conversation | null>;
  update(conversation: Conversation): Promise<void>;
  /** The customer's most recently updated conversation that is neither resolved nor closed, updated at or after `since`. */
  findOpen(customerId: string, since: Date): Promise<Conversation | null>;
  /** Newest first (by createdAt, then id). */
  list(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
  getMany(ids: readonly string[]): Promise<Conversation[]>;
  /** `findOpen` for many customers at once: at most one conversation per customer. */
  findOpenMany(customerIds: readonly string[], since: Date): Promise<Conversation[]>;
  insertMany(conversations: readonly Conversation[]): Promise<void>;
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
  /** The newest entry on `channel` whose external id is `externalId` (inbound or outbound). */
  findByExternalId(channel: string, externalId: string): Promise<Interaction | null>;
  /** The newest inbound entry of a conversation (whom to reply to). */
  lastInbound(conversationId: string): Promise<Interaction | null>;
  insertMany(interactions: readonly Interaction[]): Promise<void>;
  getMany(ids: readonly string[]): Promise<Interaction[]>;
  /** `last` for many conversations at once: the head of each conversation that has entries. */
  lastMany(conversationIds: readonly string[]): Promise<Interaction[]>;
  /**
   * `findConversationByRef` for many references at once; references that match nothing are left out.
   * A reference with `channel: null` names a message by its external id on any channel (inbound or
   * outbound: an email Message-ID another mailbox received, or one we sent); newest entry wins.
   */
  findConversationsByRefs(refs: readonly { channel: string | null; ref: string }[]): Promise<{ channel: string | null; ref: string; conversationId: string }[]>;
}

/** Dedupe of inbound messages: `(channel, externalId)` is recorded once. */
export interface InboundReceiptRepository {
  find(channel: string, externalId: string): Promise<{ interactionId: string } | null>;
  insert(receipt: { channel: string; externalId: string; interactionId: string; receivedAt: Date }): Promise<void>;
  /**
   * Inserts the receipts that do not exist yet and answers which ones it inserted. A receipt another
   * open transaction is inserting makes this wait for that transaction: the database's unique key,
   * not a lock of ours, is what records a message once.
   */
  claimMany(receipts: readonly InboundReceipt[]): Promise<{ channel: string; externalId: string }[]>;
  findMany(keys: readonly { channel: string; externalId: string }[]): Promise<InboundReceipt[]>;
}

export interface InboundReceipt {
  channel: string;
  externalId: string;
  interactionId: string;
  receivedAt: Date;
}

export interface LedgerSession {
  readonly conversations: ConversationRepository;
  readonly interactions: InteractionRepository;
  readonly receipts: InboundReceiptRepository;
}
