import type { Page, PageRequest } from '../../shared/page.js';
import type { WebhookAttempt, WebhookSubscription } from '../webhook-subscription.entity.js';

/** Webhook subscriptions and their delivery attempts. Writes that must not race take `lockKeys.webhook(id)` first. */
export interface WebhookRepository {
  insert(subscription: WebhookSubscription): Promise<void>;
  get(id: string): Promise<WebhookSubscription | null>;
  /** Replaces the stored row (by id); no row, no change. Callers read it under its lock first. */
  update(subscription: WebhookSubscription): Promise<void>;
  /** Removes the subscription and its attempts; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Subscriptions, oldest first. */
  list(page: PageRequest): Promise<Page<WebhookSubscription>>;
  /** Enabled subscriptions, oldest first, at most `limit`: what the sweeper looks at. */
  listEnabled(limit: number): Promise<WebhookSubscription[]>;
  recordAttempt(attempt: WebhookAttempt): Promise<void>;
  /** A subscription's attempts, newest first. */
  listAttempts(subscriptionId: string, page: PageRequest): Promise<Page<WebhookAttempt>>;
  /** Removes up to `limit` attempts made before `before`; answers how many. */
  pruneAttempts(before: Date, limit: number): Promise<number>;
}

export interface WebhookSession {
  readonly webhooks: WebhookRepository;
}
