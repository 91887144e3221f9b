import type { DeskOfferRepository, OfferToShow } from '../../desk/ports/desk-offer-store.port.js';
import { InMemoryCustomerRepository, InMemoryIdentityRepository } from './identity.js';
import { InMemoryConversationRepository, InMemoryInteractionRepository } from './ledger.js';
import { InMemoryAgentRepository, InMemoryOfferRepository, InMemoryQueueRepository, InMemoryWorkItemRepository } from './routing.js';
import type { Db } from './tables.js';

/** The desk's offer read, made of the other repositories' reads (PostgreSQL makes it one statement). */
export class InMemoryDeskOfferRepository implements DeskOfferRepository {
  constructor(private readonly db: Db) {}

  async toShow(offerId: string, recentLimit: number): Promise<OfferToShow | null> {
    const offer = await new InMemoryOfferRepository(this.db).get(offerId);
    if (!offer) return null;
    const conversation = await new InMemoryConversationRepository(this.db).get(offer.conversationId);
    const customers = new InMemoryCustomerRepository(this.db);
    const customer = conversation ? await customers.get(conversation.customerId) : null;
    const family = conversation ? await customers.familyOf(conversation.customerId) : [];
    const timeline = await new InMemoryInteractionRepository(this.db).timeline(family, {}, { limit: 10_000 });
    return {
      offer,
      agent: await new InMemoryAgentRepository(this.db).get(offer.agentId),
      conversation,
      customerDisplayName: customer?.displayName ?? null,
      identities: conversation ? await new InMemoryIdentityRepository(this.db).listByCustomer(conversation.customerId) : [],
      queue: await new InMemoryQueueRepository(this.db).get(offer.queueId),
      enqueuedAt: conversation ? ((await new InMemoryWorkItemRepository(this.db).get(conversation.id))?.enqueuedAt ?? null) : null,
      recent: timeline.items
        .filter((i) => i.type === 'message' || i.type === 'note')
        .slice(0, recentLimit)
        .map(({ conversationId, type, direction, channel, subject, text, occurredAt }) => ({ conversationId, type, direction, channel, subject, text, occurredAt })),
    };
  }
}
