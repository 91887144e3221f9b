import type { Page, PageRequest } from '../../shared/page.js';
import type { Conversation, ConversationStatus } from '../conversation.entity.js';
import type { Interaction, InteractionDirection, InteractionType } from '../interaction.entity.js';


/**
 * How much of an entry full-text search reads: the first 32,000 characters of subject and text.
 * Indexing costs the ingest path in proportion to the text (a 180 KB mail took ~75 ms of
 * PostgreSQL's time for its words alone), and PostgreSQL keeps word positions only up to 16,383.
 */
export const SEARCH_INDEXED_CHARS = 32_000;

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
  /** `update` of each, in one write (a routing pass offers many, an import batch touches many); conversations not stored are left out. */
  updateMany(conversations: readonly Conversation[]): Promise<void>;
  /** The customer's most recently updated conversation that is neither resolved nor closed, updated at or after `since`. */
  findOpen(customerId: string, since: Date): Promise<Conversation | null>;
  /** Newest first (by createdAt, then id). */
  list(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>>;
  getMany(ids: readonly string[]): Promise<Conversation[]>;
  /** `findOpen` for many customers at once: at most one conversation per customer. */
  findOpenMany(customerIds: readonly string[], since: Date): Promise<Conversation[]>;
  insertMany(conversations: readonly Conversation[]): Promise<void>;
  /** Every conversation of the given customers, newest first. */
  listByCustomers(customerIds: readonly string[]): Promise<Conversation[]>;
}

/** Narrows a customer's timeline. */
export interface TimelineFilter {
  channel?: string | undefined;
  direction?: InteractionDirection | undefined;
  type?: InteractionType | undefined;
}

/** A full-text query over the entries' subject and text. */
export interface SearchQuery {
  /** Words, all of which must occur (`"a phrase"` and `-word` as web search engines read them). */
  text: string;
  channel?: string | undefined;
  /** Only entries of these customers (a customer and those merged into it). */
  customerIds?: readonly string[] | undefined;
}

export interface SearchHit {
  interaction: Interaction;
  /** A short excerpt with the matched words between « and ». */
  snippet: string;
}

/** The head of one conversation's chain as the hub-wide anchor last recorded it. */
export interface LedgerHead {
  conversationId: string;
  seq: number;
  digest: string;
}

export interface InteractionRepository {
  /**
   * Append-only: there is no update and no delete. Every insert also advances the conversation's
   * head in the hub-wide anchor (see `LedgerHeadRepository`), in the same transaction.
   */
  insert(interaction: Interaction): Promise<void>;
  get(id: string): Promise<Interaction | null>;
  /** The entry with the highest `seq` of a conversation (the chain's head). */
  last(conversationId: string): Promise<Interaction | null>;
  /** All entries of a conversation in `seq` order. */
  listByConversation(conversationId: string): Promise<Interaction[]>;
  /**
   * Every entry of the given customers across conversations, newest first (occurredAt desc, then
   * recordedAt desc, then id): a keyset page, so entries recorded after a cursor was handed out
   * never shift what the following pages hold.
   */
  timeline(customerIds: readonly string[], filter: TimelineFilter, page: PageRequest): Promise<Page<Interaction>>;
  /**
   * Full-text search over subject and text — the first SEARCH_INDEXED_CHARS characters of
   * `subject + ' ' + text` — newest first as the timeline; erased entries hold no words.
   */
  search(query: SearchQuery, page: PageRequest): Promise<Page<SearchHit>>;
  /** The newest entry of the given customers on each channel they used. */
  lastPerChannel(customerIds: readonly string[]): Promise<Interaction[]>;
  countByCustomers(customerIds: readonly string[]): Promise<number>;
  /**
   * The one change the ledger allows: replaces the personal content of these entries with the
   * tombstone (`TOMBSTONE`) and sets `erasedAt`; header, content hash and digests stay, so every
   * chain still verifies. Already erased entries are left as they are.
   */
  tombstone(ids: readonly string[], at: Date): Promise<void>;
  /** Entries of many conversations, by conversation id, then `seq`. */
  listByConversations(conversationIds: readonly string[]): Promise<Interaction[]>;
  /** Distinct conversation ids that have entries, ascending, after `after`: walks the whole ledger. */
  conversationIdsAfter(after: string | null, limit: number): Promise<string[]>;
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

/**
 * The hub-wide anchor: the head (seq, digest) of every conversation's chain, advanced with each
 * append and never moved back or removed (the database refuses that as it refuses changes to
 * entries). A removed tail or a deleted conversation shows as a head the ledger no longer reaches.
 */
export interface LedgerHeadRepository {
  /** Heads in conversation id order, after `after`. */
  page(after: string | null, limit: number): Promise<LedgerHead[]>;
  getMany(conversationIds: readonly string[]): Promise<LedgerHead[]>;
}

export interface LedgerSession {
  readonly conversations: ConversationRepository;
  readonly interactions: InteractionRepository;
  readonly heads: LedgerHeadRepository;
  readonly receipts: InboundReceiptRepository;
}
