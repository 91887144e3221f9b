import type { CustomerView } from '../../identity/customer.entity.js';
import type { CustomerLookup } from '../../identity/ports/customer-lookup.port.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { RoutingQueries } from '../../routing/use-cases/routing-queries.js';
import { allPages, type Page, type PageRequest } from '../../shared/page.js';
import type { AgentWork, DeskCommands } from '../ports/desk-commands.port.js';
import type { ConversationView, DeskQueueView, DeskReads, InteractionView } from '../ports/desk-reads.port.js';
import type { DeskQueries } from './desk-queries.js';

/** The read side desks get, composed of the queries the API uses. */
export class ComposedDeskReads implements DeskReads {
  constructor(
    private readonly customers: CustomerLookup,
    private readonly queries: Pick<DeskQueries, 'conversation' | 'timeline'>,
    private readonly commands: Pick<DeskCommands, 'listWork'>,
    private readonly routing: Pick<RoutingQueries, 'agent' | 'agents' | 'queues' | 'queueStats'>,
  ) {}

  customer(id: string): Promise<CustomerView> {
    return this.customers.customer(id);
  }

  customersByIdentity(identity: string): Promise<CustomerView[]> {
    return this.customers.customersByIdentity(identity);
  }

  conversation(id: string): Promise<ConversationView> {
    return this.queries.conversation(id);
  }

  timeline(customerId: string, page: PageRequest): Promise<Page<InteractionView>> {
    return this.queries.timeline(customerId, page);
  }

  // A desk reads as the hub does; what it shows to whom is the desk's call (see DeskReads).
  work(agentId: string): Promise<AgentWork> {
    return this.commands.listWork({ kind: 'operator' }, agentId);
  }

  agent(id: string): Promise<Agent> {
    return this.routing.agent(id);
  }

  // Agents are few (hundreds): a walk over the list beats a store index for now.
  async agentByDesk(binding: string, userId: string): Promise<Agent | null> {
    return (await this.agents()).find((agent) => (agent.desk as Record<string, string | undefined>)[binding] === userId) ?? null;
  }

  async queueByName(name: string): Promise<Queue | null> {
    const all = await allPages((page) => this.routing.queues(page));
    return all.find((q) => q.name === name) ?? null;
  }

  async agents(): Promise<Agent[]> {
    return allPages((page) => this.routing.agents(page));
  }

  async queues(): Promise<DeskQueueView[]> {
    const queues = await allPages((page) => this.routing.queues(page));
    return Promise.all(
      queues.map(async (queue) => {
        const stats = await this.routing.queueStats(queue.id);
        return { ...queue, waiting: stats.waiting, offered: stats.offered, oldestWaitSeconds: stats.oldestWaitSeconds };
      }),
    );
  }
}
