import { CRM_LOG_STATUSES, type CrmLogClaim, type CrmLogEntry, type CrmLogRepository, type CrmLogStatus } from '@switchboard/core';
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

  async claimNext(instanceId: string, customerIds: readonly string[], limit: number, now: Date, leaseUntil: Date): Promise<CrmLogClaim> {
    if (customerIds.length === 0 || limit <= 0) return { claimed: [], held: false };
    // The first open rows, locked in order, waiting for (not skipping) rows another claim or outcome
    // holds: a row skipped would let this page run ahead of it. A row waited for is answered as its
    // holder committed it: just taken by another claim, it is leased (the page stops before it);
    // just logged, it is no longer open (the page goes past it).
    const [customers, customerParam] = customerIds.length === 1 ? ['customer_id = $2', customerIds[0]] : ['customer_id = ANY($2::uuid[])', customerIds];
    const rows: CrmLogRow[] = await this.manager.query(
      `SELECT ${COLUMNS} FROM crm_log WHERE instance_id = $1 AND ${customers} AND ${OPEN} ORDER BY position LIMIT $3 FOR UPDATE`,
      [instanceId, customerParam, limit],
    );
    const open = rows.map(toEntry);
    const stop = open.findIndex((e) => e.leaseUntil !== null && e.leaseUntil.getTime() > now.getTime());
    const free = stop === -1 ? open : open.slice(0, stop);
    if (free.length > 0) {
      // Held back until the next statement that needs an answer, inside the transaction that holds the locks.
      await execute(
        this.manager,
        `UPDATE crm_log SET status = 'sending', attempts = attempts + 1, lease_until = $3, updated_at = $4
         WHERE instance_id = $1 AND ${customers.replace('$2', '$5')} AND interaction_id = ANY($2::uuid[])`,
        [instanceId, free.map((e) => e.interactionId), leaseUntil, now, customerParam],
      );
    }
    return {
      claimed: free.map((e) => ({ entry: { ...e, status: 'sending', attempts: e.attempts + 1, leaseUntil, updatedAt: now }, previous: { status: e.status, attempts: e.attempts } })),
      held: stop !== -1,
    };
  }

  async renew(instanceId: string, held: readonly { interactionId: string; attempts: number }[], leaseUntil: Date): Promise<number> {
    if (held.length === 0) return 0;
    const rows: { n: number }[] = await this.manager.query(
      `WITH renewed AS (UPDATE crm_log AS c SET lease_until = $2 FROM unnest($3::uuid[], $4::int[]) AS v(interaction_id, attempts)
       WHERE c.instance_id = $1 AND c.interaction_id = v.interaction_id AND c.status = 'sending' AND c.attempts = v.attempts RETURNING 1)
       SELECT count(*)::int AS n FROM renewed`,
      [instanceId, leaseUntil, held.map((h) => h.interactionId), held.map((h) => h.attempts)],
    );
    return rows[0]?.n ?? 0;
  }

  async updateMany(entries: readonly CrmLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const instanceId = entries[0]!.instanceId;
    // One row per entry (the last given wins), as UPDATE … FROM would pick one at random.
    const mine = [...new Map(entries.filter((e) => e.instanceId === instanceId).map((e) => [e.interactionId, e])).values()];
    await execute(
      this.manager,
      `UPDATE crm_log AS c SET status = v.status, attempts = v.attempts, lease_until = v.lease_until, contact_id = v.contact_id,
         activity_id = v.activity_id, last_error = v.last_error, updated_at = v.updated_at
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
         AS v(interaction_id, status, attempts, lease_until, contact_id, activity_id, last_error, updated_at)
       WHERE c.instance_id = $1 AND c.customer_id = ANY($10::uuid[]) AND c.interaction_id = v.interaction_id`,
      [
        instanceId,
        mine.map((e) => e.interactionId),
        mine.map((e) => e.status),
        mine.map((e) => e.attempts),
        mine.map((e) => e.leaseUntil),
        mine.map((e) => e.contactId),
        mine.map((e) => e.activityId),
        mine.map((e) => e.lastError),
        mine.map((e) => e.updatedAt),
        // Narrows the rows PostgreSQL looks at to the customers' (an entry's customer never changes).
        [...new Set(mine.map((e) => e.customerId))],
      ],
    );
    const others = entries.filter((e) => e.instanceId !== instanceId);
    if (others.length > 0) await this.updateMany(others);
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
