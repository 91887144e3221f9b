import type { Party } from '../../ledger/interaction.entity.js';

/** What a desk shows an agent about the customer behind an offer or a conversation. */
export interface DeskContext {
  conversationId: string;
  customer: { id: string; displayName: string | null; identities: { kind: string; value: string }[] };
  channel: string;
  subject: string | null;
  /** The queue the conversation waits or waited in, when it has one. */
  queue?: { id: string; name: string } | undefined;
  priority?: number | undefined;
  /** Since when the customer waits for an agent (the work item's enqueue time, else the conversation's start). */
  waitingSince?: Date | undefined;
  /** The next SLA deadline (first response, else resolution) when the queue sets one. */
  slaDue?: { kind: 'first-response' | 'resolution'; at: Date } | undefined;
  /** The customer's CRM contacts (cached facts), one per CRM instance that knows the customer. */
  crm?: { system: string; contactId: string; name: string | null; company: string | null; owner: string | null; lifecycleStage: string | null; url: string | null }[] | undefined;
  /** The latest entries of the customer's timeline, newest first, across channels. */
  recent: { channel: string; direction: 'inbound' | 'outbound' | 'internal'; text: string; occurredAt: Date }[];
}

export interface DeskOffer {
  offerId: string;
  agentId: string;
  queueName: string;
  expiresAt: Date;
  context: DeskContext;
  /** The agent's desk bindings as the hub read them with the offer (`slack`, `teams`…), so a desk need not read the agent again. */
  agentDesk?: Record<string, string | undefined> | undefined;
}

export type DeskOfferUpdate =
  | { offerId: string; agentId: string; status: 'accepted' | 'declined' | 'expired' | 'rescinded'; reason?: string | undefined };

/** A message to show in the agent's working thread of a conversation. */
export interface DeskThreadPost {
  /** Stable for the same post (the interaction id it shows, for one): a repeated call must not post twice. */
  postId: string;
  conversationId: string;
  agentId: string;
  kind: 'customer-message' | 'reply-sent' | 'note' | 'status';
  from?: Party | undefined;
  text: string;
  occurredAt: Date;
}

/**
 * The driven port of a desk: how the hub reaches agents where they work (a Slack or Teams bot).
 * No chat-tool types here; each desk plugin maps these onto its own messages and cards. Calls are
 * made from jobs after commit, so a desk may be slow or down without holding anything up; every
 * call must be idempotent (a retried job repeats it): the same offer id, or the same post id,
 * shows once. `runAgentDeskContract` from `@switchboard/core/testing` checks an adapter.
 */
export interface AgentDesk {
  /** Which agents this desk reaches (those with a binding for it). */
  reaches(agent: { desk: Record<string, string | undefined> }): boolean;
  deliverOffer(offer: DeskOffer): Promise<void>;
  updateOffer(update: DeskOfferUpdate): Promise<void>;
  postToThread(post: DeskThreadPost): Promise<void>;
  /** A short notice to one agent (presence set to away after an expired offer, a transfer to them…). */
  notify(agentId: string, text: string): Promise<void>;
  /**
   * Optional: the chat user with this email address, to suggest a binding to an admin
   * (`binding` is the key of `agent.desk` it would fill, e.g. `slack`). Null when there is none.
   */
  findUserByEmail?(email: string): Promise<{ binding: string; userId: string; name?: string | undefined } | null>;
}
