import { isId, type QueueActivity, type SlaKind, type SlaRepository, type SlaSubject, type SlaVerdict } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { pageSize } from './keyset.js';

interface SubjectRow {
  id: string;
  queue_id: string;
  created_at: Date;
  first_response_at: Date | null;
  resolved_at: Date | null;
}
interface VerdictRow {
  conversation_id: string;
  kind: SlaKind;
  queue_id: string;
  met: boolean;
  due_at: Date;
  decided_at: Date;
  recorded_at: Date;
}

const toVerdict = (r: VerdictRow): SlaVerdict => ({
  conversationId: r.conversation_id,
  kind: r.kind,
  queueId: r.queue_id,
  met: r.met,
  dueAt: new Date(r.due_at),
  decidedAt: new Date(r.decided_at),
  recordedAt: new Date(r.recorded_at),
});
const date = (d: Date | null): Date | null => (d === null ? null : new Date(d));

/** SLA verdicts and the reads of the SLA sweep and queue stats, in plain SQL across routing and ledger tables. */
export class TypeormSlaRepository implements SlaRepository {
  constructor(private readonly manager: EntityManager) {}

  async undecided(queueId: string, kind: SlaKind, createdBefore: Date, limit: number): Promise<SlaSubject[]> {
    if (!isId(queueId)) return [];
    const rows = await this.manager.query<SubjectRow[]>(
      `SELECT c.id, c.queue_id, c.created_at, c.first_response_at, c.resolved_at FROM conversations c
        WHERE c.queue_id = $1 AND c.created_at <= $2
          AND NOT EXISTS (SELECT 1 FROM sla_verdicts v WHERE v.conversation_id = c.id AND v.kind = $3)
        ORDER BY c.created_at, c.id LIMIT $4`,
      [queueId, createdBefore, kind, pageSize(limit)],
    );
    return rows.map((r) => ({ conversationId: r.id, queueId: r.queue_id, createdAt: new Date(r.created_at), firstResponseAt: date(r.first_response_at), resolvedAt: date(r.resolved_at) }));
  }

  async recordVerdicts(verdicts: readonly SlaVerdict[]): Promise<SlaVerdict[]> {
    if (verdicts.length === 0) return [];
    const rows = await this.manager.query<VerdictRow[]>(
      `INSERT INTO sla_verdicts (conversation_id, kind, queue_id, met, due_at, decided_at, recorded_at)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::boolean[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (conversation_id, kind) DO NOTHING
       RETURNING conversation_id, kind, queue_id, met, due_at, decided_at, recorded_at`,
      [
        verdicts.map((v) => v.conversationId),
        verdicts.map((v) => v.kind),
        verdicts.map((v) => v.queueId),
        verdicts.map((v) => v.met),
        verdicts.map((v) => v.dueAt.toISOString()),
        verdicts.map((v) => v.decidedAt.toISOString()),
        verdicts.map((v) => v.recordedAt.toISOString()),
      ],
    );
    return rows.map(toVerdict);
  }

  async verdicts(conversationId: string): Promise<SlaVerdict[]> {
    if (!isId(conversationId)) return [];
    const rows = await this.manager.query<VerdictRow[]>(
      'SELECT conversation_id, kind, queue_id, met, due_at, decided_at, recorded_at FROM sla_verdicts WHERE conversation_id = $1 ORDER BY kind',
      [conversationId],
    );
    return rows.map(toVerdict);
  }

  async attainment(queueId: string, since: Date): Promise<{ kind: SlaKind; met: number; breached: number }[]> {
    if (!isId(queueId)) return [];
    const rows = await this.manager.query<{ kind: SlaKind; met: number; breached: number }[]>(
      `SELECT kind, count(*) FILTER (WHERE met)::int AS met, count(*) FILTER (WHERE NOT met)::int AS breached
         FROM sla_verdicts WHERE queue_id = $1 AND decided_at >= $2 GROUP BY kind ORDER BY kind`,
      [queueId, since],
    );
    return rows.map((r) => ({ kind: r.kind, met: Number(r.met), breached: Number(r.breached) }));
  }

  async activity(queueId: string, since: Date): Promise<QueueActivity> {
    if (!isId(queueId)) return { offered: 0, assigned: 0, abandoned: 0 };
    const [row] = await this.manager.query<{ offered: number; assigned: number; abandoned: number }[]>(
      `SELECT (SELECT count(*) FROM offers WHERE queue_id = $1 AND created_at >= $2)::int AS offered,
              (SELECT count(*) FROM assignments WHERE queue_id = $1 AND started_at >= $2)::int AS assigned,
              (SELECT count(*) FROM conversations c WHERE c.queue_id = $1 AND c.resolved_at >= $2
                  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.conversation_id = c.id))::int AS abandoned`,
      [queueId, since],
    );
    return { offered: Number(row?.offered ?? 0), assigned: Number(row?.assigned ?? 0), abandoned: Number(row?.abandoned ?? 0) };
  }
}
