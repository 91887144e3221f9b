import type { DomainEvent, DomainEventType, EventLogRepository, LoggedEvent, OutboxEvent } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { execute, sqlLiteral } from '../statement-batch.js';
import { pageSize } from './keyset.js';

interface Row {
  seq: string;
  id: string;
  type: DomainEventType;
  event: DomainEvent;
  recorded_at: Date;
}

export class TypeormEventLogRepository implements EventLogRepository {
  constructor(private readonly manager: EntityManager) {}

  async append(events: readonly OutboxEvent[], at: Date): Promise<void> {
    if (events.length === 0) return;
    // Rows take their sequence numbers in VALUES order, so the log keeps the given order. Nobody
    // reads an answer: inside the relay's transaction this travels with the outbox update and
    // COMMIT (statement-batch.ts), no round trip of its own.
    const recordedAt = sqlLiteral(at);
    const rows = events.map((e) => `(${sqlLiteral(e.id)}::uuid, ${sqlLiteral(e.event.type)}, ${sqlLiteral(JSON.stringify(e.event))}::jsonb, ${recordedAt}::timestamptz)`);
    await execute(this.manager, `INSERT INTO event_log (id, type, event, recorded_at) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`);
  }

  async after(after: number, types: readonly string[] | null, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.manager.query<Row[]>(
      `SELECT seq, id, type, event, recorded_at FROM event_log
        WHERE seq > $1 AND ($2::varchar[] IS NULL OR type = ANY($2::varchar[])) ORDER BY seq LIMIT $3`,
      [after, types === null ? null : [...types], pageSize(limit)],
    );
    return rows.map((r) => ({ seq: Number(r.seq), id: r.id, type: r.type, event: r.event, recordedAt: new Date(r.recorded_at) }));
  }

  async latest(): Promise<number> {
    const [row] = await this.manager.query<{ seq: string | null }[]>('SELECT max(seq) AS seq FROM event_log');
    return Number(row?.seq ?? 0);
  }

  async firstSeqSince(at: Date): Promise<number | null> {
    // ix_event_log_recorded: one probe. Relays append one at a time, so recorded_at follows seq.
    const [row] = await this.manager.query<{ seq: string }[]>('SELECT seq FROM event_log WHERE recorded_at >= $1 ORDER BY recorded_at, seq LIMIT 1', [at]);
    return row === undefined ? null : Number(row.seq);
  }

  async prune(before: Date, limit: number): Promise<number> {
    // A CTE, so the driver answers rows (a bare DELETE … RETURNING comes back as [rows, count]).
    const [row] = await this.manager.query<{ n: number }[]>(
      'WITH gone AS (DELETE FROM event_log WHERE seq IN (SELECT seq FROM event_log WHERE recorded_at < $1 ORDER BY seq LIMIT $2) RETURNING seq) SELECT count(*)::int AS n FROM gone',
      [before, pageSize(limit)],
    );
    return Number(row?.n ?? 0);
  }
}
