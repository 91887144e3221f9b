/**
 * Domain events written to the outbox in the same transaction as the change they describe: the
 * relay turns them into jobs after commit. Only events that start work are written. New ledger
 * entries are not events here: the ledger already holds them in recorded order, so whoever must
 * follow them (webhooks, an event stream) reads them from there rather than from a copy.
 */
export type DomainEvent =
  | { type: 'conversation.queued'; conversationId: string; queueId: string }
  | { type: 'conversation.resolved'; conversationId: string }
  | { type: 'offer.created'; offerId: string; conversationId: string; agentId: string; expiresAt: string }
  | { type: 'offer.answered'; offerId: string; conversationId: string; agentId: string; status: string; queueId?: string | undefined }
  /** An agent's capacity was freed (a resolve, transfer, decline, expiry or rescinded offer): route at once. */
  | { type: 'agent.freed'; agentId: string }
  | { type: 'delivery.requested'; interactionId: string; attempt: number; notBefore?: string }
  | { type: 'agent.presence'; agentId: string; presence: string }
  /** A ledger entry to show in the working thread of the agent a conversation is assigned to (desks). */
  | { type: 'desk.post'; interactionId: string; conversationId: string; agentId: string }
  | { type: 'sla.breached'; conversationId: string; queueId: string; kind: 'first_response' | 'resolution'; dueAt: string }
  /** A migration run was asked for (or a cutover's final delta): a worker runs it. */
  | { type: 'migration.started'; runId: string; source: string; mode: string; dryRun: boolean }
  /** A batch of a migration run committed. */
  | { type: 'migration.progress'; runId: string; source: string; entity: string | null; read: number; total: number; percent: number }
  | { type: 'migration.finished'; runId: string; source: string; status: string; failed: number }
  /**
   * Ledger entries a CRM logs (messages, notes; `summary`: the entry that resolved a conversation).
   * Written only when a CRM instance is configured (`CoreSettings.crmEvents`), one event per write.
   */
  | { type: 'interaction.recorded'; entries: RecordedEntry[] };

/** A ledger entry named by an `interaction.recorded` event: ids only. */
export interface RecordedEntry {
  interactionId: string;
  customerId: string;
  conversationId: string;
  kind?: 'summary' | undefined;
}

export type DomainEventType = DomainEvent['type'];

export interface OutboxEvent {
  id: string;
  event: DomainEvent;
  createdAt: Date;
  dispatchedAt: Date | null;
}
