import type { Page, PageRequest } from '../../shared/page.js';
import type { WebhookRepository } from '../../webhooks/ports/webhook-store.port.js';
import type { WebhookAttempt, WebhookSubscription } from '../../webhooks/webhook-subscription.entity.js';
import { ConstraintError, copy, keysetPage, pageSize, type Ordering } from './rows.js';
import type { Db } from './tables.js';

const oldestFirst: Ordering<WebhookSubscription> = { shape: ['date'], key: (s) => ({ keys: [s.createdAt], id: s.id }), direction: 'asc' };
const newestFirst: Ordering<WebhookAttempt> = { shape: ['date'], key: (a) => ({ keys: [a.attemptedAt], id: a.id }), direction: 'desc' };

export class InMemoryWebhookRepository implements WebhookRepository {
  constructor(private readonly db: Db) {}

  async insert(subscription: WebhookSubscription): Promise<void> {
    if (this.db.webhooks.has(subscription.id)) throw new ConstraintError('webhook_subscriptions', subscription.id);
    this.db.webhooks.set(subscription.id, copy(subscription));
  }

  async get(id: string): Promise<WebhookSubscription | null> {
    const row = this.db.webhooks.get(id);
    return row ? copy(row) : null;
  }

  async update(subscription: WebhookSubscription): Promise<void> {
    if (this.db.webhooks.has(subscription.id)) this.db.webhooks.set(subscription.id, copy(subscription));
  }

  async delete(id: string): Promise<boolean> {
    if (!this.db.webhooks.has(id)) return false;
    this.db.webhooks.delete(id);
    for (const attempt of this.db.webhookAttempts.values()) if (attempt.subscriptionId === id) this.db.webhookAttempts.delete(attempt.id);
    return true;
  }

  async list(page: PageRequest): Promise<Page<WebhookSubscription>> {
    return keysetPage(this.db.webhooks.values(), oldestFirst, page);
  }

  async listEnabled(limit: number): Promise<WebhookSubscription[]> {
    return keysetPage(this.db.webhooks.values().filter((s) => s.enabled), oldestFirst, { limit: pageSize(limit) }).items;
  }

  async recordAttempt(attempt: WebhookAttempt): Promise<void> {
    if (!this.db.webhooks.has(attempt.subscriptionId)) throw new ConstraintError('webhook_attempts (subscription)', attempt.subscriptionId);
    this.db.webhookAttempts.set(attempt.id, copy(attempt));
  }

  async listAttempts(subscriptionId: string, page: PageRequest): Promise<Page<WebhookAttempt>> {
    return keysetPage(this.db.webhookAttempts.values().filter((a) => a.subscriptionId === subscriptionId), newestFirst, page);
  }

  async pruneAttempts(before: Date, limit: number): Promise<number> {
    const old = this.db.webhookAttempts
      .values()
      .filter((a) => a.attemptedAt < before)
      .sort((a, b) => a.attemptedAt.getTime() - b.attemptedAt.getTime())
      .slice(0, pageSize(limit));
    for (const a of old) this.db.webhookAttempts.delete(a.id);
    return old.length;
  }
}
