import { DOMAIN_EVENT_TYPES } from '../shared/events.js';

/** How the last attempt of a subscription ended. */
export interface WebhookLastDelivery {
  at: Date;
  eventId: string;
  eventType: string;
  outcome: 'delivered' | 'failed';
  httpStatus: number | null;
  error: string | null;
}

/**
 * An outbound webhook subscription. It follows the event log from `cursor` (the sequence number of
 * the last event it delivered or filtered out) one event at a time, so order holds per
 * subscription; `failures` counts failed attempts since the last success, all on the event after
 * the cursor. `secret` signs deliveries and is never shown after creation.
 */
export interface WebhookSubscription {
  id: string;
  url: string;
  /** Event types or patterns (`conversation.*`, `*`). */
  types: string[];
  description: string | null;
  secret: string;
  /** After a rotation, the secret before it: deliveries carry a signature with each until `previousSecretUntil`. */
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  enabled: boolean;
  /** Why the hub disabled it (it kept failing); null when enabled or disabled by a user. */
  disabledReason: string | null;
  cursor: number;
  failures: number;
  failingSince: Date | null;
  /** No attempt before this (the backoff after a failure). */
  nextAttemptAt: Date | null;
  lastDelivery: WebhookLastDelivery | null;
  /** The delivery run that holds the subscription, until `leaseUntil`: one sender at a time keeps the order. */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type WebhookStatus = 'active' | 'failing' | 'disabled';

export const webhookStatus = (s: Pick<WebhookSubscription, 'enabled' | 'failures'>): WebhookStatus =>
  !s.enabled ? 'disabled' : s.failures > 0 ? 'failing' : 'active';

/** One attempt to deliver an event (or a test ping) to a subscription. */
export interface WebhookAttempt {
  id: string;
  subscriptionId: string;
  /** The `webhook-id` sent: the event id (or the ping's own id). */
  eventId: string;
  eventType: string;
  /** The event's sequence number; null for a ping. */
  seq: number | null;
  /** 1 for the first attempt at this event. */
  attempt: number;
  outcome: 'delivered' | 'failed';
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

/** The ping `POST /v1/webhooks/{id}/test` sends. */
export const WEBHOOK_PING_TYPE = 'webhook.ping';

const PATTERN = /^(\*|[a-z]+(\.[a-z_-]+)*\.\*|[a-z]+(\.[a-z_-]+)+)$/;

/** Whether `type` matches one of `patterns`: an exact type, `family.*` (a prefix) or `*`. */
export const matchesTypes = (patterns: readonly string[], type: string): boolean =>
  patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));

/** Why a type filter is refused, or null when every pattern is well-formed and matches some event type. */
export const typeFilterProblem = (patterns: readonly string[]): string | null => {
  if (patterns.length === 0) return 'name at least one event type, a pattern such as conversation.*, or *';
  for (const p of patterns) {
    if (!PATTERN.test(p)) return `'${p}' is not an event type or pattern (conversation.queued, conversation.*, *)`;
    if (!DOMAIN_EVENT_TYPES.some((type) => matchesTypes([p], type))) return `'${p}' matches no event type; known types: ${DOMAIN_EVENT_TYPES.join(', ')}`;
  }
  return null;
};
