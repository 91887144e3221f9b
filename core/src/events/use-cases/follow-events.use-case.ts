import type { Transactions } from '../../shared/ports/transactions.port.js';
import type { EventLogSession, LoggedEvent } from '../ports/event-log.port.js';

/** Reads of the event log for followers (the SSE stream): no writes. */
export class FollowEvents {
  constructor(private readonly store: Transactions<EventLogSession>) {}

  latest(): Promise<number> {
    return this.store.read((session) => session.eventLog.latest());
  }

  after(seq: number, types: readonly string[] | null, limit = 200): Promise<LoggedEvent[]> {
    return this.store.read((session) => session.eventLog.after(seq, types, limit));
  }
}
