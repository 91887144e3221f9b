import type { Delivery } from '../delivery.entity.js';

export interface DeliveryRepository {
  insert(delivery: Delivery): Promise<void>;
  get(interactionId: string): Promise<Delivery | null>;
  update(delivery: Delivery): Promise<void>;
  /** Pending or retrying deliveries due by `now` whose lease is free: the sweeper's work list. */
  listDue(now: Date, limit: number): Promise<Delivery[]>;
  getMany(interactionIds: readonly string[]): Promise<Delivery[]>;
}

export interface DeliverySession {
  readonly deliveries: DeliveryRepository;
}
