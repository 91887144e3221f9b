import type { Page, PageRequest, WebhookAttempt, WebhookLastDelivery, WebhookRepository, WebhookSubscription } from '@switchboard/core';
import type { EntityManager } from 'typeorm';
import { execute } from '../statement-batch.js';
import { pageSize, readKeyset, toPage } from './keyset.js';

interface SubscriptionRow {
  id: string;
  url: string;
  types: string[];
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  cursor_seq: string;
  failures: number;
  failing_since: Date | null;
  next_attempt_at: Date | null;
  last_delivery: (Omit<WebhookLastDelivery, 'at'> & { at: string }) | null;
  lease_owner: string | null;
  lease_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface AttemptRow {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  seq: string | null;
  attempt: number;
  outcome: 'delivered' | 'failed';
  http_status: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: Date;
}

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

const toSubscription = (r: SubscriptionRow): WebhookSubscription => ({
  id: r.id,
  url: r.url,
  types: r.types,
  description: r.description,
  secret: r.secret,
  previousSecret: r.previous_secret,
  previousSecretUntil: date(r.previous_secret_until),
  enabled: r.enabled,
  disabledReason: r.disabled_reason,
  cursor: Number(r.cursor_seq),
  failures: r.failures,
  failingSince: date(r.failing_since),
  nextAttemptAt: date(r.next_attempt_at),
  lastDelivery: r.last_delivery === null ? null : { ...r.last_delivery, at: new Date(r.last_delivery.at) },
  leaseOwner: r.lease_owner,
  leaseUntil: date(r.lease_until),
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const toAttempt = (r: AttemptRow): WebhookAttempt => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  eventId: r.event_id,
  eventType: r.event_type,
  seq: r.seq === null ? null : Number(r.seq),
  attempt: r.attempt,
  outcome: r.outcome,
  httpStatus: r.http_status,
  error: r.error,
  durationMs: r.duration_ms,
  attemptedAt: new Date(r.attempted_at),
});

const COLUMNS = 'id, url, types, description, secret, previous_secret, previous_secret_until, enabled, disabled_reason, cursor_seq, failures, failing_since, next_attempt_at, last_delivery, lease_owner, lease_until, created_at, updated_at';

const values = (s: WebhookSubscription): unknown[] => [
  s.id,
  s.url,
  JSON.stringify(s.types),
  s.description,
  s.secret,
  s.previousSecret,
  s.previousSecretUntil,
  s.enabled,
  s.disabledReason,
  s.cursor,
  s.failures,
  s.failingSince,
  s.nextAttemptAt,
  s.lastDelivery === null ? null : JSON.stringify({ ...s.lastDelivery, at: s.lastDelivery.at.toISOString() }),
  s.leaseOwner,
  s.leaseUntil,
  s.createdAt,
  s.updatedAt,
];

const isUuid = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

export class TypeormWebhookRepository implements WebhookRepository {
  constructor(private readonly manager: EntityManager) {}

  async insert(s: WebhookSubscription): Promise<void> {
    await execute(
      this.manager,
      `INSERT INTO webhook_subscriptions (${COLUMNS}) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18)`,
      values(s),
    );
  }

  async get(id: string): Promise<WebhookSubscription | null> {
    if (!isUuid(id)) return null;
    const [row] = await this.manager.query<SubscriptionRow[]>(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
    return row ? toSubscription(row) : null;
  }

  async update(s: WebhookSubscription): Promise<void> {
    // Held back and sent with the next statement or the COMMIT: one round trip fewer per delivery.
    await execute(
      this.manager,
      `UPDATE webhook_subscriptions SET url = $2, types = $3::jsonb, description = $4, secret = $5, previous_secret = $6,
           previous_secret_until = $7, enabled = $8, disabled_reason = $9, cursor_seq = $10, failures = $11, failing_since = $12,
           next_attempt_at = $13, last_delivery = $14::jsonb, lease_owner = $15, lease_until = $16, created_at = $17, updated_at = $18
       WHERE id = $1`,
      values(s),
    );
  }

  async delete(id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await this.manager.query<{ id: string }[]>('WITH gone AS (DELETE FROM webhook_subscriptions WHERE id = $1 RETURNING id) SELECT id FROM gone', [id]);
    return rows.length > 0;
  }

  async list(page: PageRequest): Promise<Page<WebhookSubscription>> {
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date']);
    const rows = await this.manager.query<SubscriptionRow[]>(
      `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid)
        ORDER BY created_at, id LIMIT $3`,
      [after?.keys[0] ?? null, after?.id ?? null, size + 1],
    );
    return toPage(rows, size, toSubscription, (r) => ({ keys: [new Date(r.created_at)], id: r.id }));
  }

  async listEnabled(limit: number): Promise<WebhookSubscription[]> {
    const rows = await this.manager.query<SubscriptionRow[]>(`SELECT ${COLUMNS} FROM webhook_subscriptions WHERE enabled ORDER BY created_at, id LIMIT $1`, [pageSize(limit)]);
    return rows.map(toSubscription);
  }

  async recordAttempt(a: WebhookAttempt): Promise<void> {
    await execute(
      this.manager,
      `INSERT INTO webhook_attempts (id, subscription_id, event_id, event_type, seq, attempt, outcome, http_status, error, duration_ms, attempted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [a.id, a.subscriptionId, a.eventId, a.eventType, a.seq, a.attempt, a.outcome, a.httpStatus, a.error, a.durationMs, a.attemptedAt],
    );
  }

  async listAttempts(subscriptionId: string, page: PageRequest): Promise<Page<WebhookAttempt>> {
    if (!isUuid(subscriptionId)) return { items: [], nextCursor: null };
    const size = pageSize(page.limit);
    const after = page.cursor === undefined ? null : readKeyset(page.cursor, ['date']);
    const rows = await this.manager.query<AttemptRow[]>(
      `SELECT id, subscription_id, event_id, event_type, seq, attempt, outcome, http_status, error, duration_ms, attempted_at FROM webhook_attempts
        WHERE subscription_id = $1 AND ($2::timestamptz IS NULL OR (attempted_at, id) < ($2::timestamptz, $3::uuid))
        ORDER BY attempted_at DESC, id DESC LIMIT $4`,
      [subscriptionId, after?.keys[0] ?? null, after?.id ?? null, size + 1],
    );
    return toPage(rows, size, toAttempt, (r) => ({ keys: [new Date(r.attempted_at)], id: r.id }));
  }

  async pruneAttempts(before: Date, limit: number): Promise<number> {
    const [row] = await this.manager.query<{ n: number }[]>(
      'WITH gone AS (DELETE FROM webhook_attempts WHERE id IN (SELECT id FROM webhook_attempts WHERE attempted_at < $1 ORDER BY attempted_at LIMIT $2) RETURNING id) SELECT count(*)::int AS n FROM gone',
      [before, pageSize(limit)],
    );
    return Number(row?.n ?? 0);
  }
}
