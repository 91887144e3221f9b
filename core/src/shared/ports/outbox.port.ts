import type { DomainEvent, OutboxEvent } from '../events.js';

/** Domain events written in the same transaction as the change they describe. */
export interface OutboxRepository {
  add(events: readonly DomainEvent[]): Promise<void>;
  /** Oldest first; inside a transaction the rows are locked and skipped by other relays. */
  claimUndispatched(limit: number): Promise<OutboxEvent[]>;
  markDispatched(ids: readonly string[], at: Date): Promise<void>;
  /** Whether any event waits to be dispatched: one cheap read, for relays that poll. */
  hasUndispatched(): Promise<boolean>;
  /**
   * Removes up to `limit` dispatched events added before `before` (the outbox's retention; events
   * not yet dispatched are never removed); answers how many.
   */
  pruneDispatched(before: Date, limit: number): Promise<number>;
}

export interface OutboxSession {
  readonly outbox: OutboxRepository;
}
