import type { DomainEvent, OutboxEvent } from '@switchboard/core';
import type { OutboxEventRow } from '../schemas/outbox.schema.js';

export const toOutboxEventRow = (id: string, event: DomainEvent, createdAt: Date): OutboxEventRow => ({
  id,
  type: event.type,
  event,
  createdAt,
  dispatchedAt: null,
});

export const toOutboxEvent = (r: OutboxEventRow): OutboxEvent => ({
  id: r.id,
  event: r.event,
  createdAt: r.createdAt,
  dispatchedAt: r.dispatchedAt,
});
