import { randomUUID } from 'node:crypto';
import { isId, type DomainEvent, type OutboxEvent, type OutboxRepository } from '@switchboard/core';
import type { EntityManager, Repository } from 'typeorm';
import { toOutboxEvent, toOutboxEventRow } from '../mappers/outbox.mapper.js';
import { OutboxEventSchema, type OutboxEventRow } from '../schemas/outbox.schema.js';
import { bulkInsert } from './bulk-insert.js';
import { pageSize } from './keyset.js';
import { selectList } from './select-list.js';
import { execute } from '../statement-batch.js';

let lastMillis = 0;
let counter = 0;

/**
 * A UUIDv7 that grows within this process: events added together share `createdAt`, so their ids
 * keep the order in which they were written when the relay sorts by (created_at, id).
 */
export const timeOrderedId = (now = Date.now()): string => {
  if (now > lastMillis) {
    lastMillis = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMillis += 1;
    counter = 0;
  }
  // The random half from randomUUID, which draws from a buffer it refills in bulk: its last 17
  // characters are the variant nibble (10xx, as v7 wants) and 60 random bits.
  const time = lastMillis.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
};

export class TypeormOutboxRepository implements OutboxRepository {
  private readonly rows: Repository<OutboxEventRow>;

  constructor(
    manager: EntityManager,
    private readonly inTransaction: boolean,
  ) {
    this.rows = manager.getRepository(OutboxEventSchema);
  }

  async add(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    const createdAt = new Date();
    await bulkInsert(this.rows.manager, OutboxEventSchema, events.map((event) => toOutboxEventRow(timeOrderedId(createdAt.getTime()), event, createdAt)));
  }

  async claimUndispatched(limit: number): Promise<OutboxEvent[]> {
    const manager = this.rows.manager;
    const select = `SELECT ${selectList(manager, OutboxEventSchema)} FROM outbox_events
        WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT $1`;
    if (!this.inTransaction) return (await manager.query<OutboxEventRow[]>(select, [pageSize(limit)])).map(toOutboxEvent);
    // Row locks only mean something inside a transaction: there a second relay skips what this
    // one claimed instead of waiting for it. The claim walks ix_outbox_events_undispatched in
    // order. A bitmap scan (the planner's pick without fresh statistics, or whenever it expects few
    // rows) reads every entry the index still holds for events dispatched since the last VACUUM,
    // then sorts what is left, so each pass cost more the longer the hub ran; an index scan also
    // marks those entries dead as it passes them, so the next pass skips them. The setting holds
    // for this one statement (sent with it: no round trip of its own).
    await execute(manager, 'SET LOCAL enable_bitmapscan = off');
    const rows = await manager.query<OutboxEventRow[]>(`${select} FOR UPDATE SKIP LOCKED`, [pageSize(limit)]);
    await execute(manager, 'SET LOCAL enable_bitmapscan TO DEFAULT');
    return rows.map(toOutboxEvent);
  }

  async hasUndispatched(): Promise<boolean> {
    // One probe of the partial index ix_outbox_events_undispatched: ordered as the index is, so the
    // planner walks it rather than scanning the table (the whole of it when nothing waits).
    const rows = await this.rows.manager.query<unknown[]>('SELECT 1 FROM outbox_events WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT 1');
    return rows.length > 0;
  }

  async pruneDispatched(before: Date, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    // Ids are time-ordered (timeOrderedId): the smallest id of `before`'s millisecond bounds a range
    // scan of the primary key, so pruning needs no index of its own.
    const time = Math.max(0, before.getTime()).toString(16).padStart(12, '0');
    const boundary = `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-000000000000`;
    const rows = await this.rows.manager.query<{ n: number }[]>(
      `WITH gone AS (DELETE FROM outbox_events WHERE id IN (
         SELECT id FROM outbox_events WHERE id < $1::uuid AND dispatched_at IS NOT NULL ORDER BY id LIMIT $2) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [boundary, limit],
    );
    return rows[0]?.n ?? 0;
  }

  async markDispatched(ids: readonly string[], at: Date): Promise<void> {
    const valid = ids.filter(isId);
    if (valid.length === 0) return;
    await execute(this.rows.manager, 'UPDATE outbox_events SET dispatched_at = $1 WHERE id = ANY($2::uuid[]) AND dispatched_at IS NULL', [at, valid]);
  }
}
