/**
 * Domain events written to the outbox in the same transaction as the change they describe.
 * The relay turns them into jobs after commit; webhooks and the event stream read them too.
 */
export type DomainEvent =
  | { type: 'interaction.recorded'; interactionId: string; conversationId: string; customerId: string; direction: string }
  | { type: 'conversation.queued'; conversationId: string; queueId: string }
  | { type: 'conversation.resolved'; conversationId: string }
  | { type: 'offer.created'; offerId: string; conversationId: string; agentId: string; expiresAt: string }
  | { type: 'offer.answered'; offerId: string; conversationId: string; agentId: string; status: string }
  | { type: 'delivery.requested'; interactionId: string; attempt: number; notBefore?: string }
  | { type: 'agent.presence'; agentId: string; presence: string };

export type DomainEventType = DomainEvent['type'];

export interface OutboxEvent {
  id: string;
  event: DomainEvent;
  createdAt: Date;
  dispatchedAt: Date | null;
}
