import type { IdentityKind } from '../../identity/identity.value-object.js';
import type { AttachmentRef, Party } from '../../ledger/interaction.entity.js';

/** What a channel plugin hands to the ingest port. */
export interface InboundMessage {
  /** The channel name recorded on the interaction (`email`, `webhook`, `support-mail`…). */
  channel: string;
  /** The message id at the source: `(channel, externalId)` is recorded once, however often it arrives. */
  externalId: string;
  from: Party;
  /**
   * Earlier messages this one answers, most direct first: an email's In-Reply-To, then its
   * References from newest to oldest; a Slack thread ts; a webchat session. The first that names
   * a message of this channel the hub knows (inbound or outbound) picks the conversation.
   */
  threadRefs?: readonly string[] | undefined;
  /**
   * `channel` (the default): a thread ref matches messages of this message's channel only.
   * `any`: a ref that matches nothing on this channel may name a message of any channel by its
   * external id — for globally unique ids such as email Message-IDs, so that a reply received by
   * another mailbox, or naming a Message-ID we sent, joins its conversation.
   */
  threadScope?: 'channel' | 'any' | undefined;
  /**
   * Weaker references, tried only when no `threadRefs` entry picked a conversation: they pick one
   * only if it belongs to the sender's customer — for what anyone could copy, such as an email's
   * subject token (`[#ref]`), so that a stranger cannot write into someone else's conversation.
   * Matched like `threadRefs` (same `threadScope`).
   */
  customerThreadRefs?: readonly string[] | undefined;
  subject?: string | undefined;
  text: string;
  html?: string | undefined;
  occurredAt?: Date | undefined;
  attachments?: AttachmentRef[] | undefined;
  /**
   * More identities the message says the sender has (a chat visitor who gives an email address).
   * One no customer holds yet is linked to the sender's customer; one that belongs to another
   * customer is left where it is (never merged silently).
   */
  identities?: readonly { kind: IdentityKind | (string & {}); value: string }[] | undefined;
  /**
   * `route` (the default): a conversation that needs an agent is queued for routing. `record`:
   * recorded in the ledger only, no work item and no offer (imported history, auto-replies).
   */
  routing?: 'route' | 'record' | undefined;
  /** The plugin instance that received it. */
  sourcePlugin?: string | undefined;
}

export interface IngestResult {
  interactionId: string;
  customerId: string;
  conversationId: string;
  duplicate: boolean;
}

/** The driving port channel plugins call. Resolves only after the message is committed. */
export interface IngestPort {
  ingest(message: InboundMessage): Promise<IngestResult>;
  /**
   * Optional: several messages handed over together (a batch read from a mailbox), committed in
   * as few transactions as the hub's batch size allows. One promise per message, in order, each
   * as `ingest` would answer it (a refused message rejects alone; the others still commit).
   */
  ingestMany?(messages: readonly InboundMessage[]): Promise<IngestResult>[];
}
export const IngestPort = Symbol.for('switchboard.IngestPort');
