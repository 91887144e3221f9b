import type { DeliverySession } from '../../delivery/ports/delivery-store.port.js';
import { identityErrors } from '../../identity/identity.errors.js';
import type { IdentitySession } from '../../identity/ports/identity-store.port.js';
import type { CustomerView } from '../../identity/customer.entity.js';
import { isOpenStatus, type Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import { ledgerErrors } from '../../ledger/ledger.errors.js';
import type { LedgerSession, SearchQuery, TimelineFilter } from '../../ledger/ports/ledger-store.port.js';
import { customerAndMerged } from '../../identity/use-cases/customer-and-merged.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { ConversationView, InteractionView } from '../ports/desk-reads.port.js';

/** The newest entry of a customer on one channel. */
export interface LastInteraction {
  channel: string;
  interactionId: string;
  conversationId: string;
  direction: Interaction['direction'];
  type: Interaction['type'];
  occurredAt: Date;
}

/** Customer 360: the customer with what the ledger knows of them, across merges. */
export type Customer360 = CustomerView & {
  /** Customers merged into this one, directly or through others: their history is part of this one's. */
  mergedCustomerIds: string[];
  openConversations: Conversation[];
  lastInteractionByChannel: LastInteraction[];
  counts: { conversations: number; openConversations: number; interactions: number; channels: number };
};

export interface SearchResult {
  interactionId: string;
  conversationId: string;
  customerId: string;
  channel: string;
  direction: Interaction['direction'];
  type: Interaction['type'];
  snippet: string;
  occurredAt: Date;
}

/** Everything the hub holds about a person (data-subject access): machine-readable, complete. */
export interface CustomerExport {
  exportedAt: Date;
  customer: CustomerView;
  /** Customers merged into it, with their own (remaining) identities. */
  mergedCustomers: CustomerView[];
  conversations: Conversation[];
  /** Every ledger entry, oldest first, with delivery states. */
  interactions: InteractionView[];
}

/** Entries read per round by export: bounded memory for a customer of any size. */
const EXPORT_BATCH = 500;

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

  /** The customer with identities, attributes, open conversations, the last entry per channel and counts, across merges. */
  async customer360(customerId: string): Promise<Customer360> {
    return this.store.read(async (session) => {
      const customer = await session.customers.get(customerId);
      if (!customer) throw identityErrors.customerNotFound(customerId);
      const family = await customerAndMerged(session, customerId);
      const [identities, conversations, last, interactions] = [
        await session.identities.listByCustomer(customerId),
        await session.conversations.listByCustomers(family),
        await session.interactions.lastPerChannel(family),
        await session.interactions.countByCustomers(family),
      ];
      const open = conversations.filter((c) => isOpenStatus(c.status));
      return {
        ...customer,
        identities,
        mergedCustomerIds: family.slice(1),
        openConversations: open,
        lastInteractionByChannel: last.map((i) => ({
          channel: i.channel,
          interactionId: i.id,
          conversationId: i.conversationId,
          direction: i.direction,
          type: i.type,
          occurredAt: i.occurredAt,
        })),
        counts: { conversations: conversations.length, openConversations: open.length, interactions, channels: last.length },
      };
    });
  }

  /** Full-text search over the ledger; a customer filter includes the customers merged into it. */
  async search(query: Omit<SearchQuery, 'customerIds'> & { customerId?: string | undefined }, page: PageRequest): Promise<Page<SearchResult>> {
    return this.store.read(async (session) => {
      const customerIds = query.customerId === undefined ? undefined : await customerAndMerged(session, query.customerId);
      const found = await session.interactions.search({ text: query.text, channel: query.channel, customerIds }, page);
      return {
        items: found.items.map(({ interaction: i, snippet }) => ({
          interactionId: i.id,
          conversationId: i.conversationId,
          customerId: i.customerId,
          channel: i.channel,
          direction: i.direction,
          type: i.type,
          snippet,
          occurredAt: i.occurredAt,
        })),
        nextCursor: found.nextCursor,
      };
    });
  }

  /** Everything about a customer and those merged into it: identities, attributes, conversations, every entry. */
  async exportCustomer(customerId: string, now: Date): Promise<CustomerExport> {
    return this.store.read(async (session) => {
      const customer = await session.customers.get(customerId);
      if (!customer) throw identityErrors.customerNotFound(customerId);
      const family = await customerAndMerged(session, customerId);
      const others = await session.customers.getMany(family.slice(1));
      const withIdentities = async (c: typeof customer): Promise<CustomerView> => ({ ...c, identities: await session.identities.listByCustomer(c.id) });
      const entries: InteractionView[] = [];
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await session.interactions.timeline(family, {}, { limit: EXPORT_BATCH, cursor });
        entries.push(...(await withDeliveries(session, page.items)));
        cursor = page.nextCursor ?? undefined;
      }
      const mergedCustomers: CustomerView[] = [];
      for (const other of others) mergedCustomers.push(await withIdentities(other));
      return {
        exportedAt: now,
        customer: await withIdentities(customer),
        mergedCustomers,
        conversations: await session.conversations.listByCustomers(family),
        interactions: entries.reverse(),
      };
    });
  }

  /** Every entry of a customer (and of the customers merged into it) across channels, newest first. */
  async timeline(customerId: string, page: PageRequest, filter: TimelineFilter = {}): Promise<Page<InteractionView>> {
    return this.store.read(async (session) => {
      // The family is empty for an unknown customer: one read answers both questions.
      const family = await customerAndMerged(session, customerId);
      if (family.length === 0) throw identityErrors.customerNotFound(customerId);
      const result = await session.interactions.timeline(family, filter, page);
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
