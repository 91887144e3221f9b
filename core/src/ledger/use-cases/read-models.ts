import type { Customer, Identity } from '../../identity/customer.entity.js';
import { parseIdentity } from '../../identity/identity.value-object.js';
import type { Agent } from '../../routing/agent.entity.js';
import { eligibleFor } from '../../routing/eligibility.js';
import type { Offer, OfferStatus, RoutingDecision } from '../../routing/offer.entity.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { WorkItem } from '../../routing/work-item.entity.js';
import { notFound } from '../../shared/domain-error.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { Clock } from '../../shared/ports/clock.port.js';
import type { Store } from '../../shared/ports/store.port.js';
import type { Conversation } from '../conversation.entity.js';
import type { ConversationFilter } from '../ports/ledger-store.port.js';
import { verifyChain, type ChainVerification } from '../hash-chain.js';
import type { Delivery, Interaction } from '../interaction.entity.js';

export type CustomerView = Customer & { identities: Identity[] };
export type InteractionView = Interaction & { delivery: Pick<Delivery, 'status' | 'reason' | 'attempts'> | null };
export type ConversationView = Conversation & { interactions: InteractionView[] };

/** Reads for the API: no writes, no transactions. */
export class ReadModels {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async customer(id: string): Promise<CustomerView> {
    return this.store.read(async (session) => {
      const customer = await session.customers.get(id);
      if (!customer) throw notFound('CUSTOMER.NOT_FOUND', `customer ${id} does not exist`);
      return { ...customer, identities: await session.identities.listByCustomer(id) };
    });
  }

  /** Customers owning an identity, following merges to the survivor. */
  async customersByIdentity(written: string): Promise<CustomerView[]> {
    const key = parseIdentity(written, 'identity');
    return this.store.read(async (session) => {
      const identity = await session.identities.find(key);
      if (!identity) return [];
      let customer = await session.customers.get(identity.customerId);
      while (customer?.mergedInto) customer = await session.customers.get(customer.mergedInto);
      return customer ? [{ ...customer, identities: await session.identities.listByCustomer(customer.id) }] : [];
    });
  }

  async timeline(customerId: string, page: PageRequest): Promise<Page<InteractionView>> {
    return this.store.read(async (session) => {
      if (!(await session.customers.get(customerId))) throw notFound('CUSTOMER.NOT_FOUND', `customer ${customerId} does not exist`);
      const result = await session.interactions.timeline(customerId, page);
      return { items: await withDeliveries(session.deliveries.getMany.bind(session.deliveries), result.items), nextCursor: result.nextCursor };
    });
  }

  async conversations(filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    return this.store.read((session) => session.conversations.list(filter, page));
  }

  async conversation(id: string): Promise<ConversationView> {
    return this.store.read(async (session) => {
      const conversation = await session.conversations.get(id);
      if (!conversation) throw notFound('CONVERSATION.NOT_FOUND', `conversation ${id} does not exist`);
      const interactions = await session.interactions.listByConversation(id);
      return { ...conversation, interactions: await withDeliveries(session.deliveries.getMany.bind(session.deliveries), interactions) };
    });
  }

  async verify(conversationId: string): Promise<ChainVerification> {
    return this.store.read(async (session) => {
      if (!(await session.conversations.get(conversationId))) throw notFound('CONVERSATION.NOT_FOUND', `conversation ${conversationId} does not exist`);
      return verifyChain(await session.interactions.listByConversation(conversationId), (i) => i.type === 'erasure');
    });
  }

  async routing(conversationId: string): Promise<{ conversationId: string; status: string; waiting: WorkItem | null; reasons: WorkItem['reasons']; decisions: RoutingDecision[] }> {
    return this.store.read(async (session) => {
      const conversation = await session.conversations.get(conversationId);
      if (!conversation) throw notFound('CONVERSATION.NOT_FOUND', `conversation ${conversationId} does not exist`);
      const item = await session.workItems.get(conversationId);
      // Why it waits is computed from the agents as they are now, not from the last routing pass.
      let reasons: WorkItem['reasons'] = [];
      if (item?.state === 'waiting') {
        const agents = await session.agents.listByPresence('available');
        const loads = await session.assignments.loads(agents.map((a) => a.id));
        reasons = eligibleFor(item, agents.map((agent) => ({ agent, load: loads.get(agent.id) ?? { units: 0, perChannel: {} } }))).reasons;
      }
      return { conversationId, status: conversation.status, waiting: item, reasons, decisions: await session.decisions.listByConversation(conversationId) };
    });
  }

  async queues(): Promise<Queue[]> {
    return this.store.read((session) => session.queues.list());
  }

  async queue(id: string): Promise<Queue> {
    return this.store.read(async (session) => {
      const queue = await session.queues.get(id);
      if (!queue) throw notFound('QUEUE.NOT_FOUND', `queue ${id} does not exist`);
      return queue;
    });
  }

  async queueStats(id: string): Promise<{ queueId: string; waiting: number; offered: number; assigned: number; oldestWaitSeconds: number | null }> {
    return this.store.read(async (session) => {
      if (!(await session.queues.get(id))) throw notFound('QUEUE.NOT_FOUND', `queue ${id} does not exist`);
      const counts = await session.workItems.countByQueue(id);
      const assigned = await session.assignments.countActiveByQueue(id);
      const oldest = counts.oldestEnqueuedAt ? Math.round((this.clock.now().getTime() - counts.oldestEnqueuedAt.getTime()) / 1000) : null;
      return { queueId: id, waiting: counts.waiting, offered: counts.offered, assigned, oldestWaitSeconds: oldest };
    });
  }

  async agents(): Promise<Agent[]> {
    return this.store.read((session) => session.agents.list());
  }

  async agent(id: string): Promise<Agent> {
    return this.store.read(async (session) => {
      const agent = await session.agents.get(id);
      if (!agent) throw notFound('AGENT.NOT_FOUND', `agent ${id} does not exist`);
      return agent;
    });
  }

  async offers(agentId: string, status: OfferStatus | undefined): Promise<Offer[]> {
    return this.store.read(async (session) => {
      if (!(await session.agents.get(agentId))) throw notFound('AGENT.NOT_FOUND', `agent ${agentId} does not exist`);
      return session.offers.listByAgent(agentId, status);
    });
  }
}

const withDeliveries = async (getMany: (ids: readonly string[]) => Promise<Delivery[]>, interactions: Interaction[]): Promise<InteractionView[]> => {
  const outbound = interactions.filter((i) => i.direction === 'outbound').map((i) => i.id);
  const deliveries = new Map((outbound.length > 0 ? await getMany(outbound) : []).map((d) => [d.interactionId, d]));
  return interactions.map((i) => {
    const d = deliveries.get(i.id);
    return { ...i, delivery: d ? { status: d.status, reason: d.reason, attempts: d.attempts } : null };
  });
};
