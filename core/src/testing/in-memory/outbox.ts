import type { DomainEvent, OutboxEvent } from '../../shared/events.js';
import { newId } from '../../shared/ids.js';
import type { OutboxRepository } from '../../shared/ports/outbox.port.js';
import { asJson, byTime, copy, pageSize, validIds } from './rows.js';
import type { Db, StoredOutboxEvent } from './tables.js';

export class InMemoryOutboxRepository implements OutboxRepository {
  constructor(
    private readonly db: Db,
    /** Hands out the order events are added in, across sessions. */
    private readonly nextSeq: () => number,
  ) {}

  async add(events: readonly DomainEvent[]): Promise<void> {
    const createdAt = new Date();
    for (const event of events) {
      const row: StoredOutboxEvent = { id: newId(), event: asJson(event), createdAt, dispatchedAt: null, seq: this.nextSeq() };
      this.db.outbox.set(row.id, row);
    }
  }

  async claimUndispatched(limit: number): Promise<OutboxEvent[]> {
    // Transactions run one at a time here, so no other relay holds rows to skip (FOR UPDATE SKIP LOCKED).
    return this.undispatched()
      .slice(0, pageSize(limit))
      .map(({ id, event, createdAt, dispatchedAt }) => copy({ id, event, createdAt, dispatchedAt }));
  }

  async markDispatched(ids: readonly string[], at: Date): Promise<void> {
    for (const id of validIds(ids)) {
      const row = this.db.outbox.get(id);
      if (row && row.dispatchedAt === null) this.db.outbox.set(id, { ...row, dispatchedAt: new Date(at) });
    }
  }

  async hasUndispatched(): Promise<boolean> {
    return this.db.outbox.values().some((row) => row.dispatchedAt === null);
  }

  async pruneDispatched(before: Date, limit: number): Promise<number> {
    const old = this.db.outbox
      .values()
      .filter((row) => row.dispatchedAt !== null && row.createdAt < before)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, Math.max(0, limit));
    for (const row of old) this.db.outbox.delete(row.id);
    return old.length;
  }

  private undispatched(): StoredOutboxEvent[] {
    return this.db.outbox
      .values()
      .filter((row) => row.dispatchedAt === null)
      .sort((a, b) => byTime(a.createdAt, b.createdAt) || a.seq - b.seq);
  }
}
