import type { Identity } from '../../identity/customer.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Offer } from '../../routing/offer.entity.js';
import type { Queue } from '../../routing/queue.entity.js';

/** A timeline entry as an offer shows it. */
export type DeskRecentEntry = Pick<Interaction, 'conversationId' | 'type' | 'direction' | 'channel' | 'subject' | 'text' | 'occurredAt'>;

/** Everything a desk shows with one offer. Parts that are gone (an agent removed, say) are null. */
export interface OfferToShow {
  offer: Offer;
  agent: Agent | null;
  conversation: Conversation | null;
  /** The conversation's customer (its display name; null when the customer has none or is gone). */
  customerDisplayName: string | null;
  /** The customer's own identities, oldest first. */
  identities: Identity[];
  queue: Queue | null;
  /** When the conversation's work item was enqueued (null when it has none). */
  enqueuedAt: Date | null;
  /** The newest messages and notes of the customer and of those merged into it, newest first. */
  recent: DeskRecentEntry[];
}

export interface DeskOfferRepository {
  /**
   * What the desk job shows with an offer, in one read (one statement on PostgreSQL: the job runs
   * for every offer, and its round trips were most of the offer-to-desk latency). Null when no
   * such offer exists. `recent` is at most `recentLimit` entries.
   */
  toShow(offerId: string, recentLimit: number): Promise<OfferToShow | null>;
}

export interface DeskOfferSession {
  readonly deskOffers: DeskOfferRepository;
}
