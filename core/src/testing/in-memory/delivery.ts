import type { Delivery } from '../../delivery/delivery.entity.js';
import type { DeliveryRepository } from '../../delivery/ports/delivery-store.port.js';
import { byText, byTime, ConstraintError, copy, sortedCopies, validIds } from './rows.js';
import type { Db } from './tables.js';

export class InMemoryDeliveryRepository implements DeliveryRepository {
  constructor(private readonly db: Db) {}

  async insert(delivery: Delivery): Promise<void> {
    if (this.db.deliveries.has(delivery.interactionId)) throw new ConstraintError('deliveries', delivery.interactionId);
    this.db.deliveries.set(delivery.interactionId, copy(delivery));
  }

  async get(interactionId: string): Promise<Delivery | null> {
    const row = this.db.deliveries.get(interactionId);
    return row ? copy(row) : null;
  }

  async update(delivery: Delivery): Promise<void> {
    if (this.db.deliveries.has(delivery.interactionId)) this.db.deliveries.set(delivery.interactionId, copy(delivery));
  }

  async listDue(now: Date, limit: number): Promise<Delivery[]> {
    const due = (at: Date | null) => at === null || at.getTime() <= now.getTime();
    return sortedCopies(
      this.db.deliveries.values().filter((d) => (d.status === 'pending' || d.status === 'retrying') && due(d.nextAttemptAt) && due(d.leaseUntil)),
      // nulls first, as the SQL stores order
      (a, b) => (a.nextAttemptAt === null ? (b.nextAttemptAt === null ? 0 : -1) : b.nextAttemptAt === null ? 1 : byTime(a.nextAttemptAt, b.nextAttemptAt)) || byText(a.interactionId, b.interactionId),
      limit,
    );
  }

  async getMany(interactionIds: readonly string[]): Promise<Delivery[]> {
    return sortedCopies(
      validIds(interactionIds).flatMap((id) => this.db.deliveries.get(id) ?? []),
      (a, b) => byText(a.interactionId, b.interactionId),
    );
  }
}
