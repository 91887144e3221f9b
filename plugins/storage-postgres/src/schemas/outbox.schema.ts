import type { DomainEvent } from '@switchboard/core';
import { EntitySchema } from 'typeorm';

export interface OutboxEventRow {
  id: string;
  /** The event's type, beside the payload, so operators can query the outbox by kind. */
  type: string;
  event: DomainEvent;
  createdAt: Date;
  dispatchedAt: Date | null;
}

export const OutboxEventSchema = new EntitySchema<OutboxEventRow>({
  name: 'OutboxEvent',
  tableName: 'outbox_events',
  columns: {
    id: { type: 'uuid', primary: true, primaryKeyConstraintName: 'pk_outbox_events' },
    type: { type: 'varchar', length: 64 },
    event: { type: 'jsonb' },
    createdAt: { type: 'timestamptz', name: 'created_at' },
    dispatchedAt: { type: 'timestamptz', name: 'dispatched_at', nullable: true },
  },
});
