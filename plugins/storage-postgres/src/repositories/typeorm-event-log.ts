import type { DomainEvent, DomainEventType, EventLogRepository, LoggedEvent, OutboxEvent } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
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
    // WITH ORDINALITY keeps the given order, so sequence numbers follow it.
    await this.manager.query(
      `INSERT INTO event_log (id, type, event, recorded_at)
       SELECT e.id, e.type, e.event, $4 FROM unnest($1::uuid[], $2::varchar[], $3::jsonb[]) WITH ORDINALITY AS e(id, type, event, n)
       ORDER BY e.n ON CONFLICT (id) DO NOTHING`,
      [events.map((e) => e.id), events.map((e) => e.event.type), events.map((e) => JSON.stringify(e.event)), at],
    );
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

  async prune(before: Date, limit: number): Promise<number> {
    // A CTE, so the driver answers rows (a bare DELETE … RETURNING comes back as [rows, count]).
    const [row] = await this.manager.query<{ n: number }[]>(
      'WITH gone AS (DELETE FROM event_log WHERE seq IN (SELECT seq FROM event_log WHERE recorded_at < $1 ORDER BY seq LIMIT $2) RETURNING seq) SELECT count(*)::int AS n FROM gone',
      [before, pageSize(limit)],
    );
    return Number(row?.n ?? 0);
  }
}
