import type { Delivery } from '../../delivery/delivery.entity.js';
import type { CustomerLookup } from '../../identity/ports/customer-lookup.port.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { Agent } from '../../routing/agent.entity.js';
import type { Queue } from '../../routing/queue.entity.js';
import type { Page, PageRequest } from '../../shared/page.js';
import type { AgentWork } from './desk-commands.port.js';

/** A ledger entry with the delivery state of an outbound message (null for others). */
export type InteractionView = Interaction & { delivery: Pick<Delivery, 'status' | 'reason' | 'attempts'> | null };
export type ConversationView = Conversation & { interactions: InteractionView[] };

/**
 * What a desk plugin reads to show agents their work: customers, conversations, timelines. Reads
 * only; a desk changes things through `DeskCommands`. These reads are not scoped to an agent: the
 * desk decides what it shows to whom (usually the agent a conversation is assigned or offered to).
 * Unknown ids reject with a `not_found` DomainError.
 */
export interface DeskReads extends CustomerLookup {
  /** A conversation with all its entries, oldest first. */
  conversation(id: string): Promise<ConversationView>;
  /** Every entry of a customer across channels, newest first. */
  timeline(customerId: string, page: PageRequest): Promise<Page<InteractionView>>;
  /** Offers waiting for the agent's answer and conversations assigned to it. */
  work(agentId: string): Promise<AgentWork>;
  /** The agent with that id. */
  agent(id: string): Promise<Agent>;
  /** The agent a chat user is bound to (`agent.desk[binding] === userId`, e.g. `slack`, `U02…`), or null. */
  agentByDesk(binding: string, userId: string): Promise<Agent | null>;
  /** The queue with that name, or null (desks let agents name queues: `transfer billing`). */
  queueByName(name: string): Promise<Queue | null>;
  /** Every agent, by name (to suggest a binding by email, to find a transfer target by name). */
  agents(): Promise<Agent[]>;
  /** Every queue, by name, with how many items wait in it. */
  queues(): Promise<DeskQueueView[]>;
}

export type DeskQueueView = Queue & { waiting: number; offered: number; oldestWaitSeconds: number | null };
export const DeskReads = Symbol.for('switchboard.DeskReads');
