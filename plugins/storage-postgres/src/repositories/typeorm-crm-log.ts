import { CRM_LOG_STATUSES, type CrmLogEntry, type CrmLogRepository, type CrmLogStatus } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { execute } from '../statement-batch.js';

interface CrmLogRow {
  instance_id: string;
  interaction_id: string;
  customer_id: string;
  conversation_id: string;
  kind: CrmLogEntry['kind'];
  status: CrmLogStatus;
  attempts: number;
  lease_until: Date | null;
  contact_id: string | null;
  activity_id: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'instance_id, interaction_id, customer_id, conversation_id, kind, status, attempts, lease_until, contact_id, activity_id, last_error, created_at, updated_at';

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));
const toEntry = (row: CrmLogRow): CrmLogEntry => ({
  instanceId: row.instance_id,
  interactionId: row.interaction_id,
  customerId: row.customer_id,
  conversationId: row.conversation_id,
  kind: row.kind,
  status: row.status,
  attempts: Number(row.attempts),
  leaseUntil: date(row.lease_until),
  contactId: row.contact_id,
  activityId: row.activity_id,
  lastError: row.last_error,
  createdAt: date(row.created_at)!,
  updatedAt: date(row.updated_at)!,
});

const OPEN = `status IN ('pending', 'sending')`;

export class TypeormCrmLogRepository implements CrmLogRepository {
  constructor(private readonly manager: EntityManager) {}

  async addMany(entries: readonly CrmLogEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    // unnest WITH ORDINALITY keeps the given order, so `position` (a sequence) follows it.
    const rows: { interaction_id: string }[] = await this.manager.query(
      `INSERT INTO crm_log (${COLUMNS})
       SELECT $1, e.interaction_id, e.customer_id, e.conversation_id, e.kind, e.status, 0, NULL, NULL, NULL, NULL, $2, $2
       FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[]) WITH ORDINALITY AS e(interaction_id, customer_id, conversation_id, kind, status, n)
       ORDER BY e.n
       ON CONFLICT (instance_id, interaction_id) DO NOTHING RETURNING interaction_id`,
      [
        entries[0]!.instanceId,
        entries[0]!.createdAt,
        entries.map((e) => e.interactionId),
        entries.map((e) => e.customerId),
        entries.map((e) => e.conversationId),
        entries.map((e) => e.kind),
        entries.map((e) => e.status),
      ],
    );
    const others = entries.filter((e) => e.instanceId !== entries[0]!.instanceId);
    return rows.length + (others.length > 0 ? await this.addMany(others) : 0);
  }

  async open(instanceId: string, customerIds: readonly string[], limit: number): Promise<CrmLogEntry[]> {
    if (customerIds.length === 0) return [];
    const rows: CrmLogRow[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM crm_log WHERE instance_id = $1 AND customer_id = ANY($2::uuid[]) AND ${OPEN} ORDER BY position LIMIT $3`,
      [instanceId, customerIds, limit],
    );
    return rows.map(toEntry);
  }

  async claim(instanceId: string, interactionId: string, now: Date, leaseUntil: Date): Promise<CrmLogEntry | null> {
    const rows: CrmLogRow[] = await this.manager.query(
      // A CTE, so the driver answers rows (a bare UPDATE … RETURNING comes back as [rows, count]).
      `WITH taken AS (UPDATE crm_log SET status = 'sending', attempts = attempts + 1, lease_until = $3, updated_at = $4
       WHERE instance_id = $1 AND interaction_id = $2 AND ${OPEN} AND (lease_until IS NULL OR lease_until <= $4)
       RETURNING ${COLUMNS}) SELECT * FROM taken`,
      [instanceId, interactionId, leaseUntil, now],
    );
    return rows[0] ? toEntry(rows[0]) : null;
  }

  async renew(instanceId: string, interactionId: string, attempts: number, leaseUntil: Date): Promise<boolean> {
    const rows: { n: number }[] = await this.manager.query(
      `WITH renewed AS (UPDATE crm_log SET lease_until = $4 WHERE instance_id = $1 AND interaction_id = $2 AND status = 'sending' AND attempts = $3 RETURNING 1)
       SELECT count(*)::int AS n FROM renewed`,
      [instanceId, interactionId, attempts, leaseUntil],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async update(entry: CrmLogEntry): Promise<void> {
    await execute(
      this.manager,
      `UPDATE crm_log SET status = $3, attempts = $4, lease_until = $5, contact_id = $6, activity_id = $7, last_error = $8, updated_at = $9
       WHERE instance_id = $1 AND interaction_id = $2`,
      [entry.instanceId, entry.interactionId, entry.status, entry.attempts, entry.leaseUntil, entry.contactId, entry.activityId, entry.lastError, entry.updatedAt],
    );
  }

  async customersWithOpen(instanceId: string, now: Date, limit: number): Promise<string[]> {
    const rows: { customer_id: string }[] = await this.manager.query(
      `SELECT customer_id FROM crm_log WHERE instance_id = $1 AND ${OPEN} AND (lease_until IS NULL OR lease_until <= $2)
       GROUP BY customer_id ORDER BY min(position) LIMIT $3`,
      [instanceId, now, limit],
    );
    return rows.map((r) => r.customer_id);
  }

  async counts(instanceId: string, customerIds: readonly string[]): Promise<Record<CrmLogStatus, number>> {
    const counts = Object.fromEntries(CRM_LOG_STATUSES.map((s) => [s, 0])) as Record<CrmLogStatus, number>;
    if (customerIds.length === 0) return counts;
    const rows: { status: CrmLogStatus; n: string }[] = await this.manager.query(
      'SELECT status, count(*) AS n FROM crm_log WHERE instance_id = $1 AND customer_id = ANY($2::uuid[]) GROUP BY status',
      [instanceId, customerIds],
    );
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }

  async listByStatus(instanceId: string, status: CrmLogStatus, limit: number): Promise<CrmLogEntry[]> {
    const rows: CrmLogRow[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM crm_log WHERE instance_id = $1 AND status = $2 ORDER BY updated_at DESC, position DESC LIMIT $3`,
      [instanceId, status, limit],
    );
    return rows.map(toEntry);
  }

  async retryDead(instanceId: string, interactionIds: readonly string[] | null, at: Date): Promise<number> {
    const rows: { n: number }[] = await this.manager.query(
      `WITH retried AS (UPDATE crm_log SET status = 'sending', attempts = 0, lease_until = NULL, last_error = NULL, updated_at = $3
       WHERE instance_id = $1 AND status = 'dead' AND ($2::uuid[] IS NULL OR interaction_id = ANY($2::uuid[])) RETURNING 1)
       SELECT count(*)::int AS n FROM retried`,
      [instanceId, interactionIds, at],
    );
    return rows[0]?.n ?? 0;
  }

  async setStatusFor(instanceId: string | null, customerIds: readonly string[], from: readonly CrmLogStatus[], to: CrmLogStatus, at: Date, reason: string | null): Promise<number> {
    if (customerIds.length === 0 || from.length === 0) return 0;
    const rows: { interaction_id: string }[] = await this.manager.query(
      `WITH moved AS (UPDATE crm_log SET status = $1, lease_until = NULL, last_error = $2, updated_at = $3
       WHERE ($4::text IS NULL OR instance_id = $4) AND customer_id = ANY($5::uuid[]) AND status = ANY($6::text[]) RETURNING interaction_id)
       SELECT interaction_id FROM moved`,
      [to, reason, at, instanceId, customerIds, from],
    );
    return rows.length;
  }
}
