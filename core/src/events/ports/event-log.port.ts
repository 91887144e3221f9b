import type { DomainEvent, DomainEventType, OutboxEvent } from '../../shared/events.js';

/** A committed domain event as followers see it: `seq` grows in commit order, `id` is the outbox event's. */
export interface LoggedEvent {
  seq: number;
  id: string;
  type: DomainEventType;
  event: DomainEvent;
  recordedAt: Date;
}

/**
 * The log of committed domain events that the event stream and webhooks follow. The relay appends
 * what it dispatches under the event-log lock, so sequence numbers commit in order: a follower
 * reading "after n" never misses an event that commits later with a smaller number.
 */
export interface EventLogRepository {
  /** Appends events in the order given; an event already logged (same id) is skipped. */
  append(events: readonly OutboxEvent[], at: Date): Promise<void>;
  /** Events with `seq` greater than `after`, in order; `types` null means every type. */
  after(after: number, types: readonly string[] | null, limit: number): Promise<LoggedEvent[]>;
  /** The highest sequence number logged, 0 when none: where a new follower starts. */
  latest(): Promise<number>;
  /** The sequence number of the first event recorded at or after `at`, null when there is none (one index probe). */
  firstSeqSince(at: Date): Promise<number | null>;
  /** Removes up to `limit` events recorded before `before` (the retention window); answers how many. */
  prune(before: Date, limit: number): Promise<number>;
}

export interface EventLogSession {
  readonly eventLog: EventLogRepository;
}
