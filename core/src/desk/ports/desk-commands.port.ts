import type { CustomerView } from '../../identity/customer.entity.js';
import type { Conversation } from '../../ledger/conversation.entity.js';
import type { Interaction } from '../../ledger/interaction.entity.js';
import type { Agent, Presence } from '../../routing/agent.entity.js';
import type { Offer } from '../../routing/offer.entity.js';

/**
 * Who acts. An `operator` (an admin key, or a key not bound to an agent) may act for any agent and
 * must name the agent it acts for where one is needed; an `agent` (a key or a desk user bound to
 * one agent) acts only on its own offers and on conversations assigned to it.
 */
export type Actor = { kind: 'operator' } | { kind: 'agent'; agentId: string };

export interface ReplyCommand {
  /** The agent replying: an operator names one, an agent actor may leave it out (itself). */
  agentId?: string | undefined;
  text: string;
  html?: string | undefined;
}

export interface NoteCommand {
  agentId?: string | undefined;
  text: string;
}

export type TransferTarget = { queueId: string } | { agentId: string };

/** An agent's work: offers waiting for an answer and conversations assigned to it. */
export interface AgentWork {
  offers: Offer[];
  assigned: Conversation[];
}

/**
 * Everything an agent does, through one path: the HTTP API and the Slack and Teams desks call
 * these same commands, with the same authorisation. Refusals are `DomainError`s: `forbidden` when
 * the actor may not act on the thing, `conflict` when its state does not allow it.
 */
export interface DeskCommands {
  accept(actor: Actor, offerId: string): Promise<Offer>;
  decline(actor: Actor, offerId: string, reason?: string): Promise<Offer>;
  /** An outbound message through the channel the customer last wrote from, delivered by a job. */
  reply(actor: Actor, conversationId: string, command: ReplyCommand): Promise<Interaction>;
  /** An internal note: never sent to the customer. */
  note(actor: Actor, conversationId: string, command: NoteCommand): Promise<Interaction>;
  resolve(actor: Actor, conversationId: string, agentId?: string): Promise<Conversation>;
  reopen(actor: Actor, conversationId: string, agentId?: string): Promise<Conversation>;
  /** Rescinds pending offers, ends the assignment and re-queues in the target queue, or offers to the target agent. */
  transfer(actor: Actor, conversationId: string, target: TransferTarget, agentId?: string): Promise<Conversation>;
  setPresence(actor: Actor, agentId: string, presence: Presence): Promise<Agent>;
  /** The customer owning an identity written `kind:value`, with their identities. */
  lookUpCustomer(actor: Actor, identity: string): Promise<CustomerView[]>;
  listWork(actor: Actor, agentId: string): Promise<AgentWork>;
}
export const DeskCommands = Symbol.for('switchboard.DeskCommands');
