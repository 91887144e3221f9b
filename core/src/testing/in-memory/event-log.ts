import type { EventLogRepository, LoggedEvent } from '../../events/ports/event-log.port.js';
import type { OutboxEvent } from '../../shared/events.js';
import { asJson, copy, pageSize } from './rows.js';
import type { Db } from './tables.js';

export class InMemoryEventLogRepository implements EventLogRepository {
  constructor(
    private readonly db: Db,
    /** Transactions run one at a time here, so numbers handed out in order commit in order. */
    private readonly nextSeq: () => number,
  ) {}

  async append(events: readonly OutboxEvent[], at: Date): Promise<void> {
    for (const { id, event } of events) {
      if (this.db.eventLog.has(id)) continue;
      this.db.eventLog.set(id, { seq: this.nextSeq(), id, type: event.type, event: asJson(event), recordedAt: new Date(at) });
    }
  }

  async after(after: number, types: readonly string[] | null, limit: number): Promise<LoggedEvent[]> {
    return this.db.eventLog
      .values()
      .filter((e) => e.seq > after && (types === null || types.includes(e.type)))
      .sort((a, b) => a.seq - b.seq)
      .slice(0, pageSize(limit))
      .map(copy);
  }

  async latest(): Promise<number> {
    return this.db.eventLog.values().reduce((max, e) => Math.max(max, e.seq), 0);
  }

  async firstSeqSince(at: Date): Promise<number | null> {
    const since = this.db.eventLog.values().filter((e) => e.recordedAt >= at);
    return since.length === 0 ? null : since.reduce((min, e) => Math.min(min, e.seq), Number.POSITIVE_INFINITY);
  }

  async prune(before: Date, limit: number): Promise<number> {
    const old = this.db.eventLog
      .values()
      .filter((e) => e.recordedAt < before)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
    for (const e of old) this.db.eventLog.delete(e.id);
    return old.length;
  }
}
