import type { DeliverySession } from '../../delivery/ports/delivery-store.port.js';
import { identityErrors } from '../../identity/identity.errors.js';
import type { IdentitySession } from '../../identity/ports/identity-store.port.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { ledgerErrors } from '../../ledger/ledger.errors.js';
import type { LedgerSession, TimelineFilter } from '../../ledger/ports/ledger-store.port.js';
import { customerAndMerged } from '../../identity/use-cases/customer-and-merged.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { ConversationView, InteractionView } from '../ports/desk-reads.port.js';

/** What an agent reads: conversations and timelines with the delivery state of every outbound message. */
export class DeskQueries {
  constructor(private readonly store: Transactions<LedgerSession & DeliverySession & IdentitySession>) {}

  async conversation(id: string): Promise<ConversationView> {
    return this.store.read(async (session) => {
      const conversation = await session.conversations.get(id);
      if (!conversation) throw ledgerErrors.conversationNotFound(id);
      const interactions = await session.interactions.listByConversation(id);
      return { ...conversation, interactions: await withDeliveries(session, interactions) };
    });
  }

  /** Every entry of a customer (and of the customers merged into it) across channels, newest first. */
  async timeline(customerId: string, page: PageRequest, filter: TimelineFilter = {}): Promise<Page<InteractionView>> {
    return this.store.read(async (session) => {
      if (!(await session.customers.get(customerId))) throw identityErrors.customerNotFound(customerId);
      const result = await session.interactions.timeline(await customerAndMerged(session, customerId), filter, page);
      return { items: await withDeliveries(session, result.items), nextCursor: result.nextCursor };
    });
  }
}

const withDeliveries = async (session: DeliverySession, interactions: Interaction[]): Promise<InteractionView[]> => {
  const outbound = interactions.filter((i) => i.direction === 'outbound').map((i) => i.id);
  const deliveries = new Map((outbound.length > 0 ? await session.deliveries.getMany(outbound) : []).map((d) => [d.interactionId, d]));
  return interactions.map((i) => {
    const d = deliveries.get(i.id);
    return { ...i, delivery: d ? { status: d.status, reason: d.reason, attempts: d.attempts } : null };
  });
};
