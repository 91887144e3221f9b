import type { CustomerView } from '../../identity/customer.entity.js';
import type { CustomerLookup } from '../../identity/ports/customer-lookup.port.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { AgentWork, DeskCommands } from '../ports/desk-commands.port.js';
import type { ConversationView, DeskReads, InteractionView } from '../ports/desk-reads.port.js';
import type { DeskQueries } from './desk-queries.js';

/** The read side desks get, composed of the queries the API uses. */
export class ComposedDeskReads implements DeskReads {
  constructor(
    private readonly customers: CustomerLookup,
    private readonly queries: Pick<DeskQueries, 'conversation' | 'timeline'>,
    private readonly commands: Pick<DeskCommands, 'listWork'>,
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
}
